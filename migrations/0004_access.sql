-- The access rule, written once for SQL (its Go twin is leadbot.MayJudge; TestAccessRule checks
-- that they agree): the owner of a lead and the owner's manager may judge it; nobody judges an
-- unassigned lead. A plain SQL function of its arguments, so the planner inlines it.
CREATE FUNCTION may_judge(viewer bigint, owner bigint, owner_manager bigint) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN COALESCE(owner IS NOT NULL AND (owner = viewer OR owner_manager = viewer), false);
