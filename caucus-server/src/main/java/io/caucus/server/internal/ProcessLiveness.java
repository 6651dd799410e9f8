package io.caucus.server.internal;

import io.caucus.core.NodeId;

/**
 * When this host last heard from each other process (docs/multiraft.md, "Quiescence"): the process-level liveness
 * that stands in for the election timers of quiesced groups. A quiesced follower counts no election ticks, so the
 * {@link GroupHost} wakes it once the process hosting its leader has been silent for an election timeout.
 * Thread-safe.
 */
@FunctionalInterface
public interface ProcessLiveness {

    /**
     * For hosts whose groups never quiesce ({@code quiesceAfterTicks} 0; tests on in-process networks): every
     * process counts as heard from just now, so the host never wakes a group on its own. A {@code CaucusHost} uses
     * its transport's {@code lastHeardNanos} (process pings on idle connections) instead.
     */
    static ProcessLiveness everyoneHeardNow(RuntimeClock clock) {
        return process -> clock.nanoTime();
    }

    /**
     * The host clock's time ({@link RuntimeClock#nanoTime()}) at which anything from {@code process} last arrived:
     * a process heartbeat or any message; for a process never heard from, the time the host started.
     */
    long lastHeardNanos(NodeId process);
}
