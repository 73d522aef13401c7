package handlers_test

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cpuSample is CPU time used so far, read from Linux's /proc: by the whole machine, by this
// process (the sandbox and the simulated users, and the bot when it runs in-process) and by the
// bot's process when it has one. Differences between two samples split a benchmark's CPU between
// Slack's side, the bot and the rest (PostgreSQL).
type cpuSample struct{ machine, self, bot time.Duration }

// clockTick is Linux's USER_HZ, the unit of /proc's CPU times.
const clockTick = 10 * time.Millisecond

func sampleCPU(botPID int) (cpuSample, error) {
	var s cpuSample
	stat, err := os.ReadFile("/proc/stat")
	if err != nil {
		return s, err
	}
	line, _, _ := bytes.Cut(stat, []byte("\n"))
	f := strings.Fields(string(line)) // cpu user nice system idle iowait irq softirq steal …
	if len(f) < 8 || f[0] != "cpu" {
		return s, fmt.Errorf("/proc/stat: unexpected first line %q", line)
	}
	for _, i := range []int{1, 2, 3, 6, 7} { // user nice system irq softirq: busy, not idle or waiting
		n, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil {
			return s, fmt.Errorf("/proc/stat: %w", err)
		}
		s.machine += time.Duration(n) * clockTick
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return s, err
	}
	s.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	if botPID != 0 {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", botPID))
		if err != nil {
			return s, err
		}
		// Fields after the command name (in parentheses, which may hold spaces): utime and stime
		// are the 12th and 13th.
		rest := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		if len(rest) < 13 {
			return s, fmt.Errorf("/proc/%d/stat: too few fields", botPID)
		}
		for _, v := range rest[11:13] {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return s, fmt.Errorf("/proc/%d/stat: %w", botPID, err)
			}
			s.bot += time.Duration(n) * clockTick
		}
	}
	return s, nil
}

// sub returns the CPU used between o and s.
func (s cpuSample) sub(o cpuSample) cpuSample {
	return cpuSample{machine: s.machine - o.machine, self: s.self - o.self, bot: s.bot - o.bot}
}
