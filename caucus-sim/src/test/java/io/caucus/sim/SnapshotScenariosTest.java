package io.caucus.sim;

import static io.caucus.sim.Scenarios.proposeAccepted;
import static io.caucus.sim.Scenarios.put;
import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.LogView;
import io.caucus.core.NodeId;
import io.caucus.core.SnapshotMetadata;
import io.caucus.core.message.InstallSnapshot;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Log compaction and InstallSnapshot (Raft paper §7) in scripted scenarios, on the production store over the
 * simulated disk: the runtime takes the snapshot when asked, streams it in chunks and installs it.
 */
class SnapshotScenariosTest {

    private static List<NodeId> followersOf(Simulation sim, NodeId leader) {
        List<NodeId> followers = new ArrayList<>(sim.nodeIds());
        followers.remove(leader);
        return followers;
    }

    private static Simulation simulation(long seed, int size) {
        return new Simulation(SimConfig.of(seed, size).withDisk(SimConfig.DiskModel.STORAGE));
    }

    private static long proposeMany(Simulation sim, NodeId leader, String prefix, int count) {
        long last = 0;
        for (int i = 0; i < count; i++) {
            last = proposeAccepted(sim, leader, put(prefix + i));
            sim.runFor(1);
        }
        return last;
    }

    /** Has {@code id} take a snapshot and runs until its log is based on it. */
    private static SnapshotMetadata compact(Simulation sim, NodeId id) {
        SnapshotMetadata snapshot = sim.compact(id);
        assertThat(sim.runUntil(() -> sim.node(id).core().log().snapshot().lastIncludedIndex()
                >= snapshot.lastIncludedIndex(), 10)).as("%s compacted its log", id).isTrue();
        return snapshot;
    }

    @Test
    void aFollowerPartitionedWhileTheLeaderCompactsCatchesUpBySnapshot() {
        Simulation sim = simulation(31, 3);
        NodeId leader = sim.awaitLeader(60);
        NodeId cutOff = followersOf(sim, leader).get(0);
        sim.partitions().isolate(cutOff);
        long last = proposeMany(sim, leader, "v", 30);
        sim.runUntil(() -> sim.status(leader).appliedIndex() >= 30, 50);
        long compactedTo = compact(sim, leader).lastIncludedIndex();
        LogView leaderLog = sim.node(leader).core().log();
        assertThat(compactedTo).isGreaterThanOrEqualTo(30);
        assertThat(sim.node(cutOff).core().log().lastIndex()).isLessThan(leaderLog.firstIndex());

        sim.partitions().heal();
        long after = proposeAccepted(sim, leader, put("after-heal"));
        sim.awaitAllApplied(Math.max(last, after), 100);

        assertThat(sim.delivered(MessageKind.INSTALL_SNAPSHOT)).isGreaterThanOrEqualTo(1);
        LogView followerLog = sim.node(cutOff).core().log();
        assertThat(followerLog.snapshot().lastIncludedIndex()).isGreaterThanOrEqualTo(compactedTo);
        assertThat(sim.node(cutOff).disk().log().snapshot().lastIncludedIndex()).isGreaterThanOrEqualTo(compactedTo);
        assertThat(sim.node(cutOff).stateMachine().get("k")).isEqualTo("after-heal");
        assertThat(sim.node(cutOff).stateMachine().fingerprint())
                .isEqualTo(sim.node(leader).stateMachine().fingerprint());
    }

    @Test
    void aRestartedNodeRestoresFromItsSnapshotPlusTheLogTail() {
        Simulation sim = simulation(32, 3);
        NodeId leader = sim.awaitLeader(60);
        NodeId follower = followersOf(sim, leader).get(0);
        long first = proposeMany(sim, leader, "a", 10);
        sim.awaitAllApplied(first, 50);
        long base = compact(sim, follower).lastIncludedIndex();
        long last = proposeMany(sim, leader, "b", 5);
        sim.awaitAllApplied(last, 50);

        sim.crash(follower);
        sim.restart(follower);
        assertThat(sim.node(follower).core().log().firstIndex()).isEqualTo(base + 1);
        assertThat(sim.node(follower).stateMachine().appliedIndex()).as("restored, before the tail")
                .isGreaterThanOrEqualTo(base);
        sim.awaitAllApplied(last, 50);
        assertThat(sim.node(follower).stateMachine().get("k")).isEqualTo("b4");
        assertThat(sim.sent(MessageKind.INSTALL_SNAPSHOT)).as("the tail came from its own log and the leader's")
                .isZero();
    }

    @Test
    void aCrashBeforeTheNewLogBaseIsDurableRestartsFromTheCommittedSnapshotNotFromBehindIt() {
        Simulation sim = simulation(33, 3);
        NodeId leader = sim.awaitLeader(60);
        long last = proposeMany(sim, leader, "v", 12);
        sim.awaitAllApplied(last, 50);
        NodeId follower = followersOf(sim, leader).get(1);
        // The snapshot is in the store once taken; the node's next turn makes it the log's base: crash before.
        long snapshotIndex = sim.compact(follower).lastIncludedIndex();
        assertThat(sim.node(follower).core().log().snapshot().lastIncludedIndex()).isLessThan(snapshotIndex);
        sim.crash(follower);
        sim.restart(follower);
        // The snapshot was committed to the store before compaction, so recovery starts the log from it.
        assertThat(sim.node(follower).core().log().snapshot().lastIncludedIndex()).isEqualTo(snapshotIndex);
        assertThat(sim.node(follower).stateMachine().appliedIndex()).isGreaterThanOrEqualTo(snapshotIndex);
        long more = proposeAccepted(sim, leader, put("later"));
        sim.awaitAllApplied(more, 50);
        assertThat(sim.node(follower).stateMachine().get("k")).isEqualTo("later");
    }

    @Test
    void aLostTransferTimesOutAndTheSnapshotIsSentAgain() {
        Simulation sim = simulation(34, 3);
        NodeId leader = sim.awaitLeader(60);
        NodeId cutOff = followersOf(sim, leader).get(0);
        sim.partitions().isolate(cutOff);
        proposeMany(sim, leader, "v", 10);
        sim.runUntil(() -> sim.status(leader).appliedIndex() >= 10, 50);
        compact(sim, leader);
        sim.partitions().heal();
        // Every chunk is lost until the rule is lifted: the leader's stream times out, its core hears of the
        // failure, and the follower is sent the snapshot again each time.
        sim.dropMessages(message -> message instanceof InstallSnapshot);
        sim.runFor(250);
        assertThat(sim.sent(MessageKind.INSTALL_SNAPSHOT)).isGreaterThanOrEqualTo(2);
        assertThat(sim.node(cutOff).core().log().snapshot().lastIncludedIndex()).isZero();
        sim.stopDroppingMessages();
        long last = proposeAccepted(sim, leader, put("done"));
        sim.awaitAllApplied(last, 150);
        assertThat(sim.node(cutOff).stateMachine().get("k")).isEqualTo("done");
    }
}
