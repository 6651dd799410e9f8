package io.caucus.sim;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.NodeId;
import io.caucus.kv.slots.SlotMap;
import io.caucus.sim.client.ClientWorkload;
import io.caucus.sim.client.ShardedClientWorkload;
import io.caucus.sim.linearizability.CheckResult;
import io.caucus.sim.linearizability.LinearizabilityChecker;
import io.caucus.sim.linearizability.Verdict;
import io.caucus.sim.shard.SimReplicaMover;
import io.caucus.sim.shard.SimSlotMap;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Random;
import java.util.SequencedMap;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * One seed's multi-Raft run with replica moves (docs/simulator.md, "Replica moves"): {@link #PROCESSES} processes
 * under the faults of {@link MultiGroupRun}, each group's replicas on three of them as a {@link SimSlotMap} places
 * them, each process running only the groups the map places on it (and removing for good those it retires it from),
 * a {@link SimReplicaMover} on every process moving random replicas to processes that never held one, by the
 * production mover's decisions, and {@link ShardedClientWorkload} clients on keys spread over the groups; if asked
 * to, the mover also removes a random process from the cluster and drains it round after round. After the faults: a
 * leader in every group, every move finished, a removed process holding nothing, each group's configuration the
 * replicas the map lists, every acknowledged write committed on every live replica of its group; then the checks:
 * each process holds the groups the map places on it and nothing of those it was retired from (also once the process
 * left down restarts), the live replicas of a group at the same index hold the same state, and the clients' history
 * is linearizable per key. Every group's Raft invariants are checked after each of its events throughout.
 */
public final class MultiGroupReplicaMovesRun {

    /** What one seed's run did, for totals. */
    public record Result(long seed, int groups, long events, long clientOperations, long ok, long failed,
                         long unknown, long faults, long processCrashes, SimReplicaMover.Totals moves,
                         long replicasJoined, long replicasRemoved, long configurationEntries, long undecided,
                         long removedDrained) {
    }

    /** Five processes: with three replicas a group, each group may move twice (a process never takes one back). */
    public static final int PROCESSES = 5;
    public static final int REPLICAS = 3;
    /** Slot tags of the workload: three keys each, in one slot. */
    public static final int TAGS = 6;
    private static final long LEADER_BOUND_TICKS = 300;
    private static final long MOVE_BOUND_TICKS = 3_000;
    private static final long LINEARIZABILITY_STEPS = 20_000_000;

    private MultiGroupReplicaMovesRun() {
    }

    /**
     * @param cancels whether a third of the random moves' times cancel a move under way instead (drawn apart: a run
     *                without cancels is event for event the run before cancels existed)
     * @param removals whether a random process is removed from the cluster during the faults (drawn apart too)
     */
    public static Result run(long seed, long faultTicks, int groups, boolean cancels, boolean removals,
                             String reproduce) {
        SimConfig config = MultiGroupRun.configOf(seed, PROCESSES);
        // A failure shows the last events; -Dcaucus.sim.traceEvents=N shows more (a move's whole story, say).
        config = config.withTraceCapacity(Integer.getInteger("caucus.sim.traceEvents", config.traceCapacity()));
        SplittableRandom draws = new SplittableRandom(seed ^ 0x7265706cL);
        SimSlotMap shards = new SimSlotMap(SlotMap.evenly(firstReplicas(groups, draws)));
        long followTicks = 1 + draws.nextInt(5);
        MultiGroupSimulation multi = new MultiGroupSimulation(config, groups, reproduce,
                shards.placement(followTicks));
        try {
            return runPhases(multi, shards, faultTicks, followTicks, cancels ? new Random(seed ^ 0x63616e63L) : null,
                    removals ? new Random(seed ^ 0x72656d76L) : null);
        } catch (SimulationFailure failure) {
            throw failure;
        } catch (RuntimeException e) {
            SimulationFailure failure = new SimulationFailure(seed, PROCESSES, "Harness (replica moves)",
                    e.toString(), multi.group(1).trace().render(), reproduce);
            failure.initCause(e);
            throw failure;
        }
    }

    /** Each group on {@link #REPLICAS} random processes. */
    private static SequencedMap<Long, List<NodeId>> firstReplicas(int groups, SplittableRandom draws) {
        SequencedMap<Long, List<NodeId>> byGroup = new LinkedHashMap<>();
        for (long group = 1; group <= groups; group++) {
            List<NodeId> processes = new ArrayList<>();
            for (int i = 1; i <= PROCESSES; i++) {
                processes.add(NodeId.of("n" + i));
            }
            for (int i = processes.size() - 1; i > 0; i--) {
                java.util.Collections.swap(processes, i, draws.nextInt(i + 1));
            }
            byGroup.put(group, List.copyOf(processes.subList(0, REPLICAS)));
        }
        return byGroup;
    }

    private static Result runPhases(MultiGroupSimulation multi, SimSlotMap shards, long faultTicks,
                                    long followTicks, Random cancels, Random removals) {
        Simulation first = multi.group(1);
        SimConfig config = first.config();
        Random random = first.random();
        NetworkProfile profile = NetworkProfile.drawn(random);
        first.setNetwork(profile);
        List<String> keys = ShardedClientWorkload.keysOfTags(TAGS);
        ShardedClientWorkload clients = new ShardedClientWorkload(multi, shards, 3 + random.nextInt(4), keys, 50,
                false);
        SimReplicaMover mover = new SimReplicaMover(multi, shards, 1 + random.nextInt(5), 30 + random.nextInt(90),
                cancels);
        if (removals != null) {
            // In the first half: later, most processes hold a group that has moved twice already, which no other
            // process could take, so most removals would be refused to the end.
            mover.removeOneWithin(Math.max(1, faultTicks / 2), removals);
        }
        clients.start();
        mover.start();
        Nemesis nemesis = new Nemesis(first, multi.processTargets(), 5, 60);
        nemesis.start();
        first.runFor(faultTicks);

        nemesis.stop();
        nemesis.repairAll();
        mover.windDown();
        // As in MultiGroupMovesRun: a new replica catches up by snapshot chunks, which a lossy network may keep
        // restarting for ever.
        first.setNetwork(new NetworkProfile(profile.minDelayMicros(), profile.maxDelayMicros(), 0,
                profile.duplicateProbability(), profile.reorderProbability()));
        NodeId leftDown = random.nextBoolean() ? leaveOneDown(multi, shards, mover, random) : null;
        first.note("-", "phase", "faults repaired" + (leftDown == null ? "" : ", " + leftDown + " left down")
                + "; liveness required of every group and of the replica moves under way");
        long leaderBound = LEADER_BOUND_TICKS + 20L * config.options().electionTimeoutTicks();
        for (long group = 1; group <= multi.groupCount(); group++) {
            multi.group(group).awaitLeader(leaderBound);
        }
        clients.stop();
        // Finished: no move in the map, and every process up having followed it (a retired one removed its replica).
        if (!first.runUntil(MultiGroupMovesRun.oncePerTick(first, () -> mover.isIdle() && clients.isIdle()
                && misplaced(multi, shards) == null), MOVE_BOUND_TICKS)) {
            first.fail("Liveness: replica moves finished", "after " + MOVE_BOUND_TICKS + " ticks the map still moves "
                    + shards.current().replicaMoves() + "; " + configurations(multi) + "; "
                    + misplaced(multi, shards));
        }
        // Idle, the mover plans no further round: what the removed process still holds, it holds for good.
        NodeId removed = mover.removedProcess().orElse(null);
        if (removed != null && !shards.current().holdsNothing(removed)) {
            first.fail("Liveness: removed process drained", removed + " was removed from the cluster but still holds "
                    + "replicas of groups " + heldBy(shards.current(), removed) + ", and no round moves them ("
                    + shards.current() + ")");
        }
        MultiGroupMovesRun.awaitSettled(multi, clients);

        checkConfigurationsAreTheMaps(multi, shards);
        checkProcessesHoldWhatTheMapPlaces(multi, shards);
        MultiGroupMovesRun.checkReplicasAgree(multi);
        CheckResult check = LinearizabilityChecker.check(clients.history(), LINEARIZABILITY_STEPS,
                ClientWorkload.MICROS_PER_MILLI);
        if (check.verdict() == Verdict.NOT_LINEARIZABLE) {
            first.fail("Linearizability (across groups)", check.report());
        }
        if (leftDown != null && !multi.isUp(leftDown)) { // (a restart the faults had scheduled may have come first)
            // The process left down restarts: it recovers what its shared WAL kept, and must not run again a group
            // it was retired from meanwhile, nor keep anything of it.
            first.restart(leftDown);
            first.runFor(2 * followTicks);
            checkProcessesHoldWhatTheMapPlaces(multi, shards);
        }
        long configurationEntries = 0;
        for (long group = 1; group <= multi.groupCount(); group++) {
            configurationEntries += multi.group(group).configurationEntriesCommitted();
        }
        return new Result(config.seed(), multi.groupCount(), first.eventsRun(), clients.history().size(),
                clients.okCount(), clients.failedCount(), clients.unknownCount(), nemesis.faultsInjected(),
                multi.processCrashes(), mover.totals(), multi.replicasJoined(), multi.replicasRemoved(),
                configurationEntries, check.verdict() == Verdict.LINEARIZABLE ? 0 : 1,
                removed != null && shards.current().holdsNothing(removed) ? 1 : 0);
    }

    /**
     * Crashes one process for the rest of the run: never the one a move under way goes to, which the move needs
     * to finish (a group keeps a majority of its voters up whichever other process is down). While the removal's
     * rounds may go on, only the removed process: a later round may move a replica to any other, but never to it,
     * and its moves away need it no more than any move needs the node it leaves.
     */
    private static NodeId leaveOneDown(MultiGroupSimulation multi, SimSlotMap shards, SimReplicaMover mover,
                                       Random random) {
        List<NodeId> candidates = new ArrayList<>(multi.upProcesses());
        shards.current().replicaMoves().forEach(move -> candidates.remove(move.to()));
        mover.removedProcess().filter(removed -> !mover.isIdle()).ifPresent(removed -> candidates.retainAll(
                List.of(removed)));
        if (candidates.isEmpty()) {
            return null;
        }
        NodeId down = candidates.get(random.nextInt(candidates.size()));
        multi.group(1).crash(down);
        return down;
    }

    /** Each group's configuration, at its leader, is the replicas the map lists: all voters, no learner. */
    private static void checkConfigurationsAreTheMaps(MultiGroupSimulation multi, SimSlotMap shards) {
        for (long group = 1; group <= multi.groupCount(); group++) {
            Simulation sim = multi.group(group);
            NodeId leader = sim.leader().orElseThrow();
            ClusterConfiguration configuration = sim.status(leader).configuration();
            Set<NodeId> listed = Set.copyOf(shards.current().replicasOf(group));
            if (configuration.isJoint() || !configuration.learners().isEmpty()
                    || !configuration.voters().equals(listed)) {
                sim.fail("Configuration is the map's replicas", "group " + group + "'s leader " + leader + " has "
                        + configuration + " while the map lists " + shards.current().replicasOf(group)
                        + " (retired: " + shards.current().retiredReplicasOf(group) + ")");
            }
        }
    }

    /**
     * Every process that is up runs a replica of each group the map places on it, and keeps nothing of any other
     * group: a group it was retired from was removed for good (GROUP_REMOVED, its id never started again), unless
     * its shared WAL never kept anything of it (then there was nothing to remove).
     */
    private static void checkProcessesHoldWhatTheMapPlaces(MultiGroupSimulation multi, SimSlotMap shards) {
        String misplaced = misplaced(multi, shards);
        if (misplaced != null) {
            multi.group(1).fail("Processes hold what the map places", misplaced);
        }
    }

    /** The first replica that a process up runs or keeps and the map does not place there, or the reverse; or null. */
    private static String misplaced(MultiGroupSimulation multi, SimSlotMap shards) {
        SlotMap map = shards.current();
        for (NodeId process : multi.upProcesses()) {
            for (long group = 1; group <= multi.groupCount(); group++) {
                boolean placed = map.placesReplicaOn(group, process);
                boolean running = multi.group(group).node(process).isUp();
                if (placed && !running) {
                    return process + " does not run group " + group + ", which the map places on it (replicas "
                            + map.replicasOf(group) + ")";
                }
                if (!placed && multi.holdsReplica(process, group)) {
                    return process + " still holds group " + group + (running ? " (running)" : " in its shared WAL")
                            + ", which the map does not place on it (replicas " + map.replicasOf(group)
                            + ", retired " + map.retiredReplicasOf(group) + ")";
                }
            }
        }
        return null;
    }

    private static List<Long> heldBy(SlotMap map, NodeId process) {
        return map.groups().stream().filter(group -> map.placesReplicaOn(group, process)).toList();
    }

    private static String configurations(MultiGroupSimulation multi) {
        StringBuilder out = new StringBuilder("configurations:");
        for (long group = 1; group <= multi.groupCount(); group++) {
            Simulation sim = multi.group(group);
            out.append(" g").append(group).append('=').append(sim.leader()
                    .map(leader -> leader + ":" + sim.status(leader).configuration()).orElse("no leader"));
        }
        return out.toString();
    }
}
