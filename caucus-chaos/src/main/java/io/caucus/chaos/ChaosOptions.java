package io.caucus.chaos;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * What one chaos run does.
 *
 * @param nodes                cluster size (3 or 5)
 * @param duration             how long faults are injected under load (healing and checks come after)
 * @param faults               the kinds of fault the schedule draws from
 * @param seed                 drives the schedule and the clients' choices
 * @param clients              concurrent client threads
 * @param registerKeys         keys read, set and compare-and-set
 * @param appendKeys           keys read and appended to (so appends can be checked for loss, duplication, order)
 * @param tickIntervalMillis   the servers' Raft tick
 * @param requestTimeoutMillis the servers' per-command deadline
 * @param fsync                whether the servers fsync their logs (true: real durability is under test)
 * @param runDirectory         where the cluster's data, logs, the history and the report go
 */
record ChaosOptions(int nodes, Duration duration, Set<FaultKind> faults, long seed, int clients,
                    List<String> registerKeys, List<String> appendKeys, long tickIntervalMillis,
                    long requestTimeoutMillis, boolean fsync, Path runDirectory) {

    ChaosOptions {
        if (nodes != 3 && nodes != 5) {
            throw new IllegalArgumentException("--nodes must be 3 or 5, got " + nodes);
        }
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("--duration must be positive, got " + duration);
        }
        if (faults.isEmpty()) {
            throw new IllegalArgumentException("--faults must name at least one of kill, pause, partition, membership");
        }
        if (clients < 1) {
            throw new IllegalArgumentException("--clients must be at least 1, got " + clients);
        }
        faults = Set.copyOf(faults);
        registerKeys = List.copyOf(registerKeys);
        appendKeys = List.copyOf(appendKeys);
    }

    /** Defaults sized for a small shared machine: slow ticks so a loaded host does not cause elections. */
    static ChaosOptions defaults(int nodes, Duration duration, Set<FaultKind> faults, long seed, Path runDirectory) {
        return new ChaosOptions(nodes, duration, faults, seed, 4, List.of("r0", "r1", "r2"), List.of("a0", "a1"),
                100, 4000, true, runDirectory);
    }

    ChaosOptions withClients(int clients) {
        return new ChaosOptions(nodes, duration, faults, seed, clients, registerKeys, appendKeys, tickIntervalMillis,
                requestTimeoutMillis, fsync, runDirectory);
    }
}
