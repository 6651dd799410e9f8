package io.caucus.chaos;

import io.caucus.kv.config.ClusterConfig;
import io.caucus.kv.slots.KeySlot;
import java.nio.charset.StandardCharsets;
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
 * @param shards               0: one Raft group holds every key (a plain Redis server to clients); N: the cluster file
 *                             says {@code shards: N}, the hash slots are split over N data groups and the clients
 *                             follow {@code -MOVED} (docs/multiraft.md); every key then carries its family's hashtag
 */
record ChaosOptions(int nodes, Duration duration, Set<FaultKind> faults, long seed, int clients,
                    List<String> registerKeys, List<String> appendKeys, List<String> counterKeys,
                    List<String> pairKeys, List<String> accountKeys, long tickIntervalMillis,
                    long requestTimeoutMillis, boolean fsync, Path runDirectory, boolean tls, int shards) {

    /**
     * The keys of a sharded run: each family under one hashtag, so that its multi-key operations (MGET and MULTI of
     * the pair or the accounts) name one slot, as Redis Cluster requires. The tags are chosen so that the five
     * families land in as many different data groups as there are, up to five (checked for 1 to 32 shards against
     * the layout the servers use by ShardedKeysTest), so that a run exercises several groups.
     */
    static final List<String> SHARDED_REGISTER_KEYS = List.of("r0{registers}", "r1{registers}", "r2{registers}");
    static final List<String> SHARDED_APPEND_KEYS = List.of("a0{log}", "a1{log}");
    static final List<String> SHARDED_COUNTER_KEYS = List.of("i0{counter}", "i1{counter}");
    static final List<String> SHARDED_PAIR_KEYS = List.of("t0{pair}", "t1{pair}");
    static final List<String> SHARDED_ACCOUNT_KEYS = List.of("b0{acct}", "b1{acct}", "b2{acct}");

    ChaosOptions {
        if (nodes != 3 && nodes != 5) {
            throw new IllegalArgumentException("--nodes must be 3 or 5, got " + nodes);
        }
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("--duration must be positive, got " + duration);
        }
        if (faults.isEmpty()) {
            throw new IllegalArgumentException("--faults must name at least one of kill, pause, partition, membership, "
                    + "move, replica, remove");
        }
        if (clients < 1) {
            throw new IllegalArgumentException("--clients must be at least 1, got " + clients);
        }
        if (shards < 0 || shards > ClusterConfig.Sharding.MAX_SHARDS) {
            throw new IllegalArgumentException("--shards must be 0 (one Raft group) to "
                    + ClusterConfig.Sharding.MAX_SHARDS + ", got " + shards);
        }
        if (shards > 0 && faults.contains(FaultKind.MEMBERSHIP)) {
            throw new IllegalArgumentException("--faults membership cannot run with --shards: a sharded cluster does"
                    + " not support membership changes yet (docs/multiraft.md); leave it out of --faults");
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
        List<String> all = concatenated(registerKeys, appendKeys, counterKeys, pairKeys, accountKeys);
        if (Set.copyOf(all).size() != all.size()) {
            throw new IllegalArgumentException("each key belongs to one workload, got " + all);
        }
        if (shards > 0 && (slots(pairKeys).size() != 1 || slots(accountKeys).size() != 1)) {
            throw new IllegalArgumentException("in a sharded cluster the pair's keys and the accounts' keys must each"
                    + " hash to one slot (a shared {hashtag}), got " + pairKeys + " and " + accountKeys);
        }
    }

    private static Set<Integer> slots(List<String> keys) {
        return Set.copyOf(keys.stream().map(key -> KeySlot.of(key.getBytes(StandardCharsets.UTF_8))).toList());
    }

    boolean sharded() {
        return shards > 0;
    }

    /** Every key, family by family: registers, appends, counters, the pair, the accounts. */
    List<String> allKeys() {
        return concatenated(registerKeys, appendKeys, counterKeys, pairKeys, accountKeys);
    }

    @SafeVarargs
    private static List<String> concatenated(List<String>... families) {
        List<String> all = new java.util.ArrayList<>();
        for (List<String> family : families) {
            all.addAll(family);
        }
        return all;
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
                List.of("i0", "i1"), List.of("t0", "t1"), List.of("b0", "b1", "b2"), 100, 4000, true, runDirectory, false, 0);
    }

    ChaosOptions withClients(int clients) {
        return new ChaosOptions(nodes, duration, faults, seed, clients, registerKeys, appendKeys, counterKeys, pairKeys,
                accountKeys, tickIntervalMillis, requestTimeoutMillis, fsync, runDirectory, tls, shards);
    }

    ChaosOptions withTls(boolean on) {
        return new ChaosOptions(nodes, duration, faults, seed, clients, registerKeys, appendKeys, counterKeys, pairKeys,
                accountKeys, tickIntervalMillis, requestTimeoutMillis, fsync, runDirectory, on, shards);
    }

    /**
     * Checks what only the whole set of options can tell (they are built a setting at a time): moves need a sharded
     * cluster of at least two data groups, replica moves four nodes, a node removal five and another fault kind.
     */
    ChaosOptions checkedForRun() {
        if (shards < 2 && faults.contains(FaultKind.MOVE)) {
            throw new IllegalArgumentException("--faults move needs --shards 2 or more: slots move between data groups");
        }
        if (faults.contains(FaultKind.REPLICA) && (shards < 1 || nodes < 4)) {
            throw new IllegalArgumentException("--faults replica needs --shards and --nodes 4 or more: a data group's"
                    + " replica moves to a node that has none (each group has three)");
        }
        if (faults.contains(FaultKind.REMOVE) && (shards < 1 || nodes < 5)) {
            throw new IllegalArgumentException("--faults remove needs --shards and --nodes 5 or more: the removed"
                    + " node's replicas move to the other nodes, which keep three replicas of each group and a metadata"
                    + " group that survives a fault without it");
        }
        if (faults.equals(Set.of(FaultKind.REMOVE))) {
            throw new IllegalArgumentException("--faults remove needs another kind beside it (kill, pause, partition,"
                    + " move, replica): it strikes once a run, and the others strike around it");
        }
        return this;
    }

    /** {@code shards} data groups (0: one group), with the sharded keys when sharded and the plain ones when not. */
    ChaosOptions withShards(int count) {
        if (count == 0) {
            ChaosOptions plain = defaults(nodes, duration, faults, seed, runDirectory);
            return new ChaosOptions(nodes, duration, faults, seed, clients, plain.registerKeys, plain.appendKeys,
                    plain.counterKeys, plain.pairKeys, plain.accountKeys, tickIntervalMillis, requestTimeoutMillis,
                    fsync, runDirectory, tls, 0);
        }
        return new ChaosOptions(nodes, duration, faults, seed, clients, SHARDED_REGISTER_KEYS, SHARDED_APPEND_KEYS,
                SHARDED_COUNTER_KEYS, SHARDED_PAIR_KEYS, SHARDED_ACCOUNT_KEYS, tickIntervalMillis,
                requestTimeoutMillis, fsync, runDirectory, tls, count);
    }
}
