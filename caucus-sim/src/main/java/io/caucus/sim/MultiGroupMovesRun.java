package io.caucus.sim;

import io.caucus.core.NodeId;
import io.caucus.core.NodeStatus;
import io.caucus.core.Role;
import io.caucus.kv.slots.SlotMap;
import io.caucus.sim.client.ClientWorkload;
import io.caucus.sim.client.ShardedClientWorkload;
import io.caucus.sim.kv.KvReplica;
import io.caucus.sim.linearizability.CheckResult;
import io.caucus.sim.linearizability.LinearizabilityChecker;
import io.caucus.sim.linearizability.Verdict;
import io.caucus.sim.shard.SimSlotMap;
import io.caucus.sim.shard.SimSlotMover;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BooleanSupplier;

/**
 * One seed's multi-Raft run with slot moves (docs/simulator.md, "Slot moves"): the processes and groups of
 * {@link MultiGroupRun} under the same faults, the slots spread evenly over the groups by a {@link SimSlotMap}, a
 * {@link SimSlotMover} moving random slot ranges between groups (and crashing now and then), and
 * {@link ShardedClientWorkload} clients routing by the map and following ASK, MOVED and TRYAGAIN. After the faults:
 * a leader in every group, the move under way finished, every acknowledged write committed on every live replica
 * of its group, every group's leader having applied its whole log; then the checks: every key lives in at most one
 * group, the one the map gives its slot; no staged copy is left; the live replicas of a group at the same index have
 * the same state; and the one history of all the clients, across groups, is linearizable per key.
 */
public final class MultiGroupMovesRun {

    /** What one seed's run did, for totals. */
    public record Result(long seed, int groups, long events, long clientOperations, long ok, long failed,
                         long unknown, long faults, long processCrashes, SimSlotMover.Totals moves,
                         ShardedClientWorkload.Redirections redirections, long undecided) {
    }

    /** Slot tags of the workload: three keys each, in one slot. */
    public static final int TAGS = 6;
    /** Whether the mover crashes mid-move now and then: on unless {@code -Dcaucus.sim.moverCrashes=false}. */
    public static final boolean MOVER_CRASHES = Boolean.parseBoolean(
            System.getProperty("caucus.sim.moverCrashes", "true"));
    private static final long LEADER_BOUND_TICKS = 300;
    private static final long MOVE_BOUND_TICKS = 3_000;
    private static final long SETTLE_WINDOW_TICKS = 300;
    private static final int SETTLE_WINDOWS = 50;
    private static final long LINEARIZABILITY_STEPS = 20_000_000;

    private MultiGroupMovesRun() {
    }

    public static Result run(long seed, long faultTicks, int groups, boolean staleMaps, String reproduce) {
        SimConfig config = MultiGroupRun.configOf(seed);
        // A failure shows the last events; -Dcaucus.sim.traceEvents=N shows more (a move's whole story, say).
        config = config.withTraceCapacity(Integer.getInteger("caucus.sim.traceEvents", config.traceCapacity()));
        MultiGroupSimulation multi = new MultiGroupSimulation(config, groups, reproduce);
        try {
            return runPhases(multi, faultTicks, staleMaps);
        } catch (SimulationFailure failure) {
            throw failure;
        } catch (RuntimeException e) {
            SimulationFailure failure = new SimulationFailure(seed, MultiGroupRun.PROCESSES,
                    "Harness (multi-group moves)", e.toString(), multi.group(1).trace().render(), reproduce);
            failure.initCause(e);
            throw failure;
        }
    }

    private static Result runPhases(MultiGroupSimulation multi, long faultTicks, boolean staleMaps) {
        Simulation first = multi.group(1);
        SimConfig config = first.config();
        Random random = first.random();
        NetworkProfile profile = NetworkProfile.drawn(random);
        first.setNetwork(profile);
        SimSlotMap shards = new SimSlotMap(SlotMap.evenly(multi.groupCount(), multi.processIds()));
        List<String> keys = ShardedClientWorkload.keysOfTags(TAGS);
        ShardedClientWorkload clients = new ShardedClientWorkload(multi, shards, 3 + random.nextInt(4), keys, 50,
                staleMaps);
        long moverCrashTicks = 40 + random.nextInt(200);
        SimSlotMover mover = new SimSlotMover(multi, shards, keys, 1 + random.nextInt(4), 10 + random.nextInt(40),
                MOVER_CRASHES ? moverCrashTicks : 0);
        clients.start();
        mover.start();
        Nemesis nemesis = new Nemesis(first, 5, 60);
        nemesis.start();
        first.runFor(faultTicks);

        nemesis.stop();
        nemesis.repairAll();
        // Messages stop getting lost too: a snapshot of tens of kilobytes goes in 1 KiB chunks, and a transfer that
        // loses a chunk or an acknowledgement starts again from its beginning, so at a loss rate of several percent
        // a far follower may never catch up (a limit of the transfer, not of moves; docs/simulator.md).
        first.setNetwork(new NetworkProfile(profile.minDelayMicros(), profile.maxDelayMicros(), 0,
                profile.duplicateProbability(), profile.reorderProbability()));
        if (random.nextBoolean()) {
            List<NodeId> up = multi.upProcesses();
            first.crash(up.get(random.nextInt(up.size())));
        }
        first.note("-", "phase", "faults repaired; liveness required of every group and of the move under way");
        long leaderBound = LEADER_BOUND_TICKS + 20L * config.options().electionTimeoutTicks();
        for (long group = 1; group <= multi.groupCount(); group++) {
            multi.group(group).awaitLeader(leaderBound);
        }
        mover.windDown();
        clients.stop();
        if (!first.runUntil(() -> mover.isIdle() && clients.isIdle(), MOVE_BOUND_TICKS)) {
            first.fail("Liveness: slot move finished", "after " + MOVE_BOUND_TICKS + " ticks the move "
                    + mover.current() + " is still under way (clients idle: " + clients.isIdle() + ")");
        }
        awaitSettled(multi, clients);

        checkReplicasAgree(multi);
        checkEveryKeyInOneGroup(multi, shards, keys);
        CheckResult check = LinearizabilityChecker.check(clients.history(), LINEARIZABILITY_STEPS,
                ClientWorkload.MICROS_PER_MILLI);
        if (check.verdict() == Verdict.NOT_LINEARIZABLE) {
            first.fail("Linearizability (across groups)", check.report());
        }
        return new Result(config.seed(), multi.groupCount(), first.eventsRun(), clients.history().size(),
                clients.okCount(), clients.failedCount(), clients.unknownCount(), nemesis.faultsInjected(),
                multi.processCrashes(), mover.totals(), clients.redirections(),
                check.verdict() == Verdict.LINEARIZABLE ? 0 : 1);
    }

    /**
     * Runs until {@link #settled}; fails if a window of {@link #SETTLE_WINDOW_TICKS} passes with no commit
     * progress in any group, or after {@link #SETTLE_WINDOWS} windows (progress that never ends must not hide a liveness bug;
     * a follower far behind catches up slowly, by InstallSnapshot chunks or one entry per round trip).
     */
    static void awaitSettled(MultiGroupSimulation multi, ShardedClientWorkload clients) {
        Simulation first = multi.group(1);
        BooleanSupplier settled = oncePerTick(first, () -> settled(multi, clients));
        long progress = commitProgress(multi);
        for (int window = 1; !first.runUntil(settled, SETTLE_WINDOW_TICKS); window++) {
            long now = commitProgress(multi);
            if (now == progress || window == SETTLE_WINDOWS) {
                first.fail("Liveness: acknowledged writes committed and applied everywhere", describe(multi));
            }
            progress = now;
        }
    }

    private static long commitProgress(MultiGroupSimulation multi) {
        long sum = 0;
        for (long group = 1; group <= multi.groupCount(); group++) {
            Simulation sim = multi.group(group);
            for (NodeId id : sim.upNodes()) {
                sum += sim.status(id).commitIndex();
            }
        }
        return sum;
    }

    /**
     * Every group has a leader that has applied its whole log, and every acknowledged write of the group is in the
     * committed log of each of its live replicas.
     */
    private static boolean settled(MultiGroupSimulation multi, ShardedClientWorkload clients) {
        for (long group = 1; group <= multi.groupCount(); group++) {
            Simulation sim = multi.group(group);
            KvReplica leader = leaderReplica(sim);
            if (leader == null || !RandomFaultRun.acknowledgedEverywhere(sim, clients.acknowledgedWrites(group))) {
                return false;
            }
        }
        return true;
    }

    /** The state machine of the group's leader if it has applied every entry of its log, else null. */
    private static KvReplica leaderReplica(Simulation sim) {
        for (NodeId id : sim.upNodes()) {
            NodeStatus status = sim.status(id);
            KvReplica replica = sim.node(id).stateMachine();
            if (status.role() == Role.LEADER && status.commitIndex() == status.lastIndex()
                    && replica.appliedIndex() == status.lastIndex()) {
                return replica;
            }
        }
        return null;
    }

    /** The live replicas of a group that have applied as far as its leader hold the same state. */
    static void checkReplicasAgree(MultiGroupSimulation multi) {
        for (long group = 1; group <= multi.groupCount(); group++) {
            Simulation sim = multi.group(group);
            KvReplica leader = leaderReplica(sim);
            for (NodeId id : sim.upNodes()) {
                KvReplica replica = sim.node(id).stateMachine();
                if (replica.appliedIndex() == leader.appliedIndex()
                        && !replica.fingerprint().equals(leader.fingerprint())) {
                    sim.fail("Replicas agree", sim.node(id) + " at index " + replica.appliedIndex()
                            + " holds another state than the leader at the same index");
                }
            }
        }
    }

    /**
     * With no move under way, every key lives in at most one group, the one the map gives its slot, and no group
     * keeps a staged copy.
     */
    private static void checkEveryKeyInOneGroup(MultiGroupSimulation multi, SimSlotMap shards, List<String> keys) {
        Simulation first = multi.group(1);
        if (!shards.current().migrations().isEmpty()) {
            first.fail("Moves finished", "the map still records " + shards.current().migrations());
        }
        for (long group = 1; group <= multi.groupCount(); group++) {
            int staged = leaderReplica(multi.group(group)).machine().stagedMoveCopies();
            if (staged != 0) {
                multi.group(group).fail("No staged copies left", "group " + group + " keeps " + staged
                        + " staged copies with no move under way");
            }
        }
        for (String key : keys) {
            List<Long> holders = new ArrayList<>();
            for (long group = 1; group <= multi.groupCount(); group++) {
                if (leaderReplica(multi.group(group)).machine().holdsLiveKey(key.getBytes(StandardCharsets.UTF_8))) {
                    holders.add(group);
                }
            }
            long owner = shards.groupOf(key);
            if (holders.size() > 1 || (holders.size() == 1 && holders.getFirst() != owner)) {
                first.fail("Every key in one group", "key " + key + " (slot " + SimSlotMap.slotOf(key)
                        + ", owned by group " + owner + ") is live in groups " + holders);
            }
        }
    }

    static BooleanSupplier oncePerTick(Simulation sim, BooleanSupplier condition) {
        long[] checkedAt = {-1};
        boolean[] held = new boolean[1];
        return () -> {
            if (sim.nowTicks() != checkedAt[0]) {
                checkedAt[0] = sim.nowTicks();
                held[0] = condition.getAsBoolean();
            }
            return held[0];
        };
    }

    private static String describe(MultiGroupSimulation multi) {
        StringBuilder out = new StringBuilder("no commit progress for " + SETTLE_WINDOW_TICKS + " ticks:");
        for (long group = 1; group <= multi.groupCount(); group++) {
            Simulation sim = multi.group(group);
            out.append(" g").append(group).append('[');
            for (NodeId id : sim.upNodes()) {
                NodeStatus status = sim.status(id);
                out.append(id).append(' ').append(status.role()).append("/t").append(status.term())
                        .append(" commit=").append(status.commitIndex()).append(" last=").append(status.lastIndex())
                        .append(" applied=").append(sim.node(id).stateMachine().appliedIndex()).append("; ");
            }
            out.append(']');
        }
        return out.toString();
    }
}
