package io.caucus.sim;

import static io.caucus.sim.Scenarios.put;
import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.NodeId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Quiescence across processes (docs/multiraft.md, "Quiescence"): 3 processes × 16 groups go idle and quiesce, so
 * that an idle window carries process pings and no Raft message; then the process leading some groups crashes, and
 * only the hosts' process liveness can get those groups going again: each elects a leader on another process within
 * a bound, and takes a write.
 */
class MultiGroupQuiescenceTest {

    private static final int GROUPS = 16;
    private static final int QUIESCE_AFTER_TICKS = 3;
    private static final long IDLE_WINDOW_TICKS = 200;

    private static MultiGroupSimulation simulation(long seed) {
        SimConfig config = SimConfig.of(seed, 3).withDisk(SimConfig.DiskModel.SHARED_WAL)
                .withOptions(SimConfig.SIM_OPTIONS.withQuiesceAfterTicks(QUIESCE_AFTER_TICKS));
        return new MultiGroupSimulation(config, GROUPS, "-Dtest=MultiGroupQuiescenceTest");
    }

    private static long raftMessagesSent(MultiGroupSimulation multi) {
        long sent = 0;
        for (long group = 1; group <= GROUPS; group++) {
            sent += multi.group(group).totalSent();
        }
        return sent;
    }

    private static boolean everyGroupQuiesced(MultiGroupSimulation multi) {
        return multi.upProcesses().stream().allMatch(process -> multi.quiescedGroups(process) == GROUPS);
    }

    /** One write to every group, then every group quiesced. */
    private static MultiGroupSimulation idleCluster(long seed) {
        MultiGroupSimulation multi = simulation(seed);
        for (long group = 1; group <= GROUPS; group++) {
            Simulation sim = multi.group(group);
            NodeId leader = sim.awaitLeader(300);
            long index = Scenarios.proposeAccepted(sim, leader, put("g" + group + "-a"));
            sim.awaitAllApplied(index, 100);
        }
        assertThat(multi.group(1).runUntil(() -> everyGroupQuiesced(multi), 100)).as("every group quiesces").isTrue();
        return multi;
    }

    /** Every group elects a leader and takes a write, applied on every live replica. */
    private static void everyGroupTakesAWrite(MultiGroupSimulation multi, String value, long bound) {
        for (long group = 1; group <= GROUPS; group++) {
            Simulation sim = multi.group(group);
            NodeId leader = sim.awaitLeader(bound);
            long index = Scenarios.proposeAccepted(sim, leader, put("g" + group + "-" + value));
            sim.awaitAllApplied(index, 100);
        }
    }

    /** The process leading the most groups. */
    private static NodeId busiestLeader(MultiGroupSimulation multi) {
        return multi.processIds().stream().max(Comparator.comparingLong(process -> ledBy(multi, process).size()))
                .orElseThrow();
    }

    @Test
    void idleGroupsSendNothingAndTheGroupsOfACrashedLeaderProcessElectElsewhere() {
        MultiGroupSimulation multi = idleCluster(11);
        Simulation first = multi.group(1);

        long raftBefore = raftMessagesSent(multi);
        long pingsBefore = multi.pingsSent();
        first.runFor(IDLE_WINDOW_TICKS);
        long idleRaft = raftMessagesSent(multi) - raftBefore;
        long idlePings = multi.pingsSent() - pingsBefore;
        assertThat(idleRaft).as("Raft messages of 16 idle groups in the window").isZero();
        // Each of 3 processes pings the 2 others once per heartbeat interval (one tick here).
        assertThat(idlePings).isBetween(6 * (IDLE_WINDOW_TICKS - 1), 6 * (IDLE_WINDOW_TICKS + 1));
        assertThat(everyGroupQuiesced(multi)).isTrue();

        NodeId victim = busiestLeader(multi);
        List<Long> orphaned = ledBy(multi, victim);
        assertThat(orphaned).isNotEmpty();
        long crashedAt = first.nowTicks();
        first.crash(victim);

        // A woken follower waits for its leader's process to be silent past the election timeout (10 ticks,
        // randomized up to 20), then for a fresh randomized timeout, a pre-vote and a vote.
        long bound = 4 * 2 * SimConfig.SIM_OPTIONS.electionTimeoutTicks();
        for (long group : orphaned) {
            Simulation sim = multi.group(group);
            NodeId leader = sim.awaitLeader(bound - (first.nowTicks() - crashedAt));
            assertThat(leader).as("group " + group + "'s new leader").isNotEqualTo(victim);
        }
        assertThat(multi.quiescedWakes()).as("groups the hosts woke").isGreaterThanOrEqualTo(2L * orphaned.size());
        long electedWithin = first.nowTicks() - crashedAt;
        everyGroupTakesAWrite(multi, "b", bound);
        System.out.printf("caucus-sim quiescence: %d groups idle for %d ticks: %d Raft messages, %d pings; %s crashed"
                        + " leading %d groups, re-elected within %d ticks (bound %d), %d groups woken by hosts%n",
                GROUPS, IDLE_WINDOW_TICKS, idleRaft, idlePings, victim, orphaned.size(), electedWithin, bound,
                multi.quiescedWakes());
    }

    @Test
    void aQuiescedLeaderCutOffFromItsGroupStepsDownAndTheOthersElect() {
        MultiGroupSimulation multi = idleCluster(12);
        Simulation first = multi.group(1);
        NodeId isolated = busiestLeader(multi);
        List<Long> orphaned = ledBy(multi, isolated);
        assertThat(orphaned).isNotEmpty();
        first.partitions().isolate(isolated);

        // Its followers' hosts stop hearing its pings and wake them; its own host stops hearing theirs and wakes
        // its quiesced leaders, whose CheckQuorum (thesis §6.2) then steps them down.
        long bound = 6 * 2 * SimConfig.SIM_OPTIONS.electionTimeoutTicks();
        boolean steppedDown = first.runUntil(() -> orphaned.stream().allMatch(group -> multi.group(group)
                .status(isolated).role() != io.caucus.core.Role.LEADER), bound);
        assertThat(steppedDown).as("the cut-off process leads none of its groups within " + bound + " ticks")
                .isTrue();
        for (long group : orphaned) {
            assertThat(multi.group(group).awaitLeader(bound)).as("group " + group + "'s new leader")
                    .isNotEqualTo(isolated);
        }

        first.partitions().heal();
        everyGroupTakesAWrite(multi, "b", bound);
        assertThat(first.runUntil(() -> everyGroupQuiesced(multi), bound)).as("quiesced again").isTrue();
    }

    /** The groups whose leader runs on {@code process}. */
    private static List<Long> ledBy(MultiGroupSimulation multi, NodeId process) {
        List<Long> led = new ArrayList<>();
        for (long group = 1; group <= GROUPS; group++) {
            if (multi.group(group).leader().filter(process::equals).isPresent()) {
                led.add(group);
            }
        }
        return led;
    }
}
