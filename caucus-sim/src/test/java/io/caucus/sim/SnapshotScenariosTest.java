package io.caucus.sim;

import static io.caucus.sim.Scenarios.proposeAccepted;
import static io.caucus.sim.Scenarios.put;
import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.LogView;
import io.caucus.core.NodeId;
import io.caucus.core.message.InstallSnapshot;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Log compaction and InstallSnapshot (Raft paper §7) in scripted scenarios, on both disk backings. */
class SnapshotScenariosTest {

    private static List<NodeId> followersOf(Simulation sim, NodeId leader) {
        List<NodeId> followers = new ArrayList<>(sim.nodeIds());
        followers.remove(leader);
        return followers;
    }

    private static Simulation simulation(long seed, int size, SimConfig.DiskModel disk) {
        return new Simulation(SimConfig.of(seed, size).withDisk(disk));
    }

    private static long proposeMany(Simulation sim, NodeId leader, String prefix, int count) {
        long last = 0;
        for (int i = 0; i < count; i++) {
            last = proposeAccepted(sim, leader, put(prefix + i));
            sim.runFor(1);
        }
        return last;
    }

    @ParameterizedTest
    @EnumSource(value = SimConfig.DiskModel.class, names = {"MEMORY", "STORAGE"})
    void aFollowerPartitionedWhileTheLeaderCompactsCatchesUpBySnapshot(SimConfig.DiskModel disk) {
        Simulation sim = simulation(31, 3, disk);
        NodeId leader = sim.awaitLeader(60);
        NodeId cutOff = followersOf(sim, leader).get(0);
        sim.partitions().isolate(cutOff);
        long last = proposeMany(sim, leader, "v", 30);
        sim.runUntil(() -> sim.status(leader).appliedIndex() >= 30, 50);
        sim.compact(leader);
        LogView leaderLog = sim.node(leader).raft().log();
        long compactedTo = leaderLog.snapshot().lastIncludedIndex();
        assertThat(compactedTo).isGreaterThanOrEqualTo(30);
        assertThat(sim.node(cutOff).raft().log().lastIndex()).isLessThan(leaderLog.firstIndex());

        sim.partitions().heal();
        long after = proposeAccepted(sim, leader, put("after-heal"));
        sim.awaitAllApplied(Math.max(last, after), 100);

        assertThat(sim.delivered(MessageKind.INSTALL_SNAPSHOT)).isGreaterThanOrEqualTo(1);
        LogView followerLog = sim.node(cutOff).raft().log();
        assertThat(followerLog.snapshot().lastIncludedIndex()).isGreaterThanOrEqualTo(compactedTo);
        assertThat(sim.node(cutOff).disk().log().snapshot().lastIncludedIndex()).isGreaterThanOrEqualTo(compactedTo);
        assertThat(sim.node(cutOff).stateMachine().get("k")).isEqualTo("after-heal");
        assertThat(sim.node(cutOff).stateMachine().snapshot().data())
                .isEqualTo(sim.node(leader).stateMachine().snapshot().data());
    }

    @ParameterizedTest
    @EnumSource(value = SimConfig.DiskModel.class, names = {"MEMORY", "STORAGE"})
    void aRestartedNodeRestoresFromItsSnapshotPlusTheLogTail(SimConfig.DiskModel disk) {
        Simulation sim = simulation(32, 3, disk);
        NodeId leader = sim.awaitLeader(60);
        NodeId follower = followersOf(sim, leader).get(0);
        long first = proposeMany(sim, leader, "a", 10);
        sim.awaitAllApplied(first, 50);
        sim.compact(follower);
        long base = sim.node(follower).raft().log().snapshot().lastIncludedIndex();
        long last = proposeMany(sim, leader, "b", 5);
        sim.awaitAllApplied(last, 50);
        sim.runFor(5); // the compaction's persist is long durable

        sim.crash(follower);
        sim.restart(follower);
        assertThat(sim.node(follower).raft().log().firstIndex()).isEqualTo(base + 1);
        assertThat(sim.node(follower).stateMachine().appliedIndex()).as("restored, before the tail")
                .isGreaterThanOrEqualTo(base);
        sim.awaitAllApplied(last, 50);
        assertThat(sim.node(follower).stateMachine().get("k")).isEqualTo("b4");
        assertThat(sim.delivered(MessageKind.INSTALL_SNAPSHOT)).as("the tail came from its own log and the leader's")
                .isZero();
    }

    @ParameterizedTest
    @EnumSource(value = SimConfig.DiskModel.class, names = {"MEMORY", "STORAGE"})
    void aCrashBeforeTheNewLogBaseIsDurableRestartsFromTheCommittedSnapshotNotFromBehindIt(
            SimConfig.DiskModel disk) {
        Simulation sim = simulation(33, 3, disk);
        NodeId leader = sim.awaitLeader(60);
        long last = proposeMany(sim, leader, "v", 12);
        sim.awaitAllApplied(last, 50);
        NodeId follower = followersOf(sim, leader).get(1);
        // Slow disks: the persist that makes the snapshot the log's base is still pending at the crash.
        sim.setDiskDelays(5 * sim.config().tickMicros(), 5 * sim.config().tickMicros());
        sim.compact(follower);
        long snapshotIndex = sim.node(follower).raft().log().snapshot().lastIncludedIndex();
        assertThat(sim.node(follower).disk().pendingCount()).isPositive();
        sim.crash(follower);
        sim.setDiskDelays(10, 200);
        sim.restart(follower);
        // The snapshot was committed to the store before compaction, so recovery starts the log from it.
        assertThat(sim.node(follower).raft().log().snapshot().lastIncludedIndex()).isEqualTo(snapshotIndex);
        assertThat(sim.node(follower).stateMachine().appliedIndex()).isGreaterThanOrEqualTo(snapshotIndex);
        long more = proposeAccepted(sim, leader, put("later"));
        sim.awaitAllApplied(more, 50);
        assertThat(sim.node(follower).stateMachine().get("k")).isEqualTo("later");
    }

    @Test
    void aLostTransferIsReportedAndTheSnapshotSentAgain() {
        Simulation sim = simulation(34, 3, SimConfig.DiskModel.MEMORY);
        NodeId leader = sim.awaitLeader(60);
        NodeId cutOff = followersOf(sim, leader).get(0);
        sim.partitions().isolate(cutOff);
        proposeMany(sim, leader, "v", 10);
        sim.runUntil(() -> sim.status(leader).appliedIndex() >= 10, 50);
        sim.compact(leader);
        sim.partitions().heal();
        // Every transfer is lost until the rule is lifted: the leader's runtime reports some, the core's stall
        // timeout covers the rest, and the follower is sent the snapshot again each time.
        sim.dropMessages(message -> message instanceof InstallSnapshot);
        sim.runFor(60);
        assertThat(sim.sent(MessageKind.INSTALL_SNAPSHOT)).isGreaterThanOrEqualTo(2);
        assertThat(sim.node(cutOff).raft().log().snapshot().lastIncludedIndex()).isZero();
        sim.stopDroppingMessages();
        long last = proposeAccepted(sim, leader, put("done"));
        sim.awaitAllApplied(last, 100);
        assertThat(sim.node(cutOff).stateMachine().get("k")).isEqualTo("done");
    }
}
