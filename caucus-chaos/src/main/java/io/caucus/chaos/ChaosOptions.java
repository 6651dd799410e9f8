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
 * @param counterKeys          keys incremented (INCR, and WATCH/GET/MULTI/SET/EXEC) and read
 * @param pairKeys             two keys only ever incremented together ({@code MULTI; INCR; INCR; EXEC}) and read
 *                             together (MGET, or GETs in one MULTI): every read must see them equal
 * @param accountKeys          keys only changed by transfers ({@code MULTI; DECRBY; INCRBY; EXEC}) and read together:
 *                             every read must see them sum to 0
 * @param tickIntervalMillis   the servers' Raft tick
 * @param requestTimeoutMillis the servers' per-command deadline
 * @param fsync                whether the servers fsync their logs (true: real durability is under test)
 * @param runDirectory         where the cluster's data, logs, the history and the report go
 * @param tls                  TLS on every port of every node (certificates made for the run, as {@code caucus demo
 *                             --tls} makes them); the clients and the admin requests speak TLS too
 */
record ChaosOptions(int nodes, Duration duration, Set<FaultKind> faults, long seed, int clients,
                    List<String> registerKeys, List<String> appendKeys, List<String> counterKeys,
                    List<String> pairKeys, List<String> accountKeys, long tickIntervalMillis,
                    long requestTimeoutMillis, boolean fsync, Path runDirectory, boolean tls) {

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
        counterKeys = List.copyOf(counterKeys);
        pairKeys = List.copyOf(pairKeys);
        accountKeys = List.copyOf(accountKeys);
        if (pairKeys.size() != 2 || accountKeys.size() < 2) {
            throw new IllegalArgumentException("two pair keys and at least two account keys are needed, got "
                    + pairKeys + " and " + accountKeys);
        }
        List<String> all = new java.util.ArrayList<>(registerKeys);
        all.addAll(appendKeys);
        all.addAll(counterKeys);
        all.addAll(pairKeys);
        all.addAll(accountKeys);
        if (Set.copyOf(all).size() != all.size()) {
            throw new IllegalArgumentException("each key belongs to one workload, got " + all);
        }
    }

    /** Keys read by MGET at the end, each group in one read: the counters one by one, the pair, the accounts. */
    List<List<String>> finalReadGroups() {
        List<List<String>> groups = new java.util.ArrayList<>();
        counterKeys.forEach(key -> groups.add(List.of(key)));
        groups.add(pairKeys);
        groups.add(accountKeys);
        return groups;
    }

    /** Defaults sized for a small shared machine: slow ticks so a loaded host does not cause elections. */
    static ChaosOptions defaults(int nodes, Duration duration, Set<FaultKind> faults, long seed, Path runDirectory) {
        return new ChaosOptions(nodes, duration, faults, seed, 4, List.of("r0", "r1", "r2"), List.of("a0", "a1"),
                List.of("i0", "i1"), List.of("t0", "t1"), List.of("b0", "b1", "b2"), 100, 4000, true, runDirectory, false);
    }

    ChaosOptions withClients(int clients) {
        return new ChaosOptions(nodes, duration, faults, seed, clients, registerKeys, appendKeys, counterKeys, pairKeys,
                accountKeys, tickIntervalMillis, requestTimeoutMillis, fsync, runDirectory, tls);
    }

    ChaosOptions withTls(boolean on) {
        return new ChaosOptions(nodes, duration, faults, seed, clients, registerKeys, appendKeys, counterKeys, pairKeys,
                accountKeys, tickIntervalMillis, requestTimeoutMillis, fsync, runDirectory, on);
    }
}
