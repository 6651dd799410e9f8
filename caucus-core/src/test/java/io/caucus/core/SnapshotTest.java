package io.caucus.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caucus.core.message.AppendEntries;
import io.caucus.core.message.AppendEntriesResponse;
import io.caucus.core.message.InstallSnapshot;
import io.caucus.core.message.InstallSnapshotResponse;
import io.caucus.core.message.RaftMessage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Log compaction and InstallSnapshot (Raft paper §7): leader, follower, restart and the guard rails. */
class SnapshotTest {

    private static final NodeId N1 = NodeId.of("n1");
    private static final NodeId N2 = NodeId.of("n2");
    private static final ClusterConfiguration THREE = ClusterConfiguration.ofVoters("n1", "n2", "n3");

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static List<LogEntry> commandsOf(List<LogEntry> applied) {
        return applied.stream().filter(e -> e.type() == EntryType.COMMAND).toList();
    }

    // ---------------------------------------------------------------- through a cluster

    @Test
    void followerThatMissedCompactedEntriesCatchesUpBySnapshot() {
        TestCluster cluster = new TestCluster(3);
        RaftNode leader = cluster.electLeader();
        String lagging = otherThan(cluster, leader, 0);
        cluster.isolate(lagging);
        for (int i = 0; i < 10; i++) {
            leader.propose(bytes("cmd" + i));
        }
        cluster.settle();
        SnapshotMetadata snapshot = cluster.compact(leader.id().value());
        assertThat(leader.log().firstIndex()).isEqualTo(snapshot.lastIncludedIndex() + 1);
        leader.propose(bytes("after"));
        cluster.heal();
        cluster.tickAll(5);

        assertThat(cluster.count(InstallSnapshot.class)).isEqualTo(1);
        RaftNode follower = cluster.node(lagging);
        assertThat(follower.log().snapshot()).isEqualTo(snapshot);
        assertThat(follower.status().commitIndex()).isEqualTo(leader.status().commitIndex());
        assertThat(commandsOf(cluster.member(lagging).applied)).extracting(e -> new String(e.payload()))
                .hasSize(11).startsWith("cmd0").endsWith("after");
        assertThat(cluster.member(lagging).durableLog.snapshot()).isEqualTo(snapshot);
        assertThat(leader.status().followers().get(NodeId.of(lagging)).state()).isEqualTo("REPLICATE");
    }

    @Test
    void aFailedTransferIsRetriedAfterTheFailureReport() {
        TestCluster cluster = new TestCluster(3);
        RaftNode leader = cluster.electLeader();
        String lagging = otherThan(cluster, leader, 0);
        cluster.isolate(lagging);
        leader.propose(bytes("x"));
        cluster.settle();
        cluster.compact(leader.id().value());
        cluster.failSnapshotTransfersTo.add(NodeId.of(lagging));
        cluster.heal();
        cluster.tickAll(3);
        assertThat(cluster.node(lagging).log().snapshot().lastIncludedIndex()).isZero();
        // Each failure report sends the follower back to probing, and the next probe finds it needs a snapshot.
        assertThat(cluster.snapshotTransfersFailed).isGreaterThanOrEqualTo(2);

        cluster.failSnapshotTransfersTo.clear();
        cluster.tickAll(3);
        assertThat(cluster.node(lagging).log().snapshot()).isEqualTo(leader.log().snapshot());
        assertThat(cluster.count(InstallSnapshot.class)).isEqualTo(1);
    }

    @Test
    void anUnansweredSnapshotIsGivenUpAfterAnElectionTimeoutAndSentAgain() {
        TestCluster cluster = new TestCluster(3);
        RaftNode leader = cluster.electLeader();
        String lagging = otherThan(cluster, leader, 0);
        cluster.isolate(lagging);
        leader.propose(bytes("x"));
        cluster.settle();
        cluster.compact(leader.id().value());
        // The InstallSnapshot is lost silently: the leader's runtime never reports a failure.
        cluster.silentlyLost = message -> message instanceof InstallSnapshot;
        cluster.heal();
        NodeId follower = NodeId.of(lagging);
        cluster.tickUntil(c -> "SNAPSHOT".equals(leader.status().followers().get(follower).state()), 10);
        cluster.silentlyLost = message -> false;
        cluster.tickAll(RaftOptions.DEFAULTS.electionTimeoutTicks() - 2);
        assertThat(leader.status().followers().get(follower).state()).as("still waiting").isEqualTo("SNAPSHOT");
        cluster.tickAll(5);
        assertThat(cluster.node(lagging).log().snapshot()).isEqualTo(leader.log().snapshot());
        assertThat(leader.status().followers().get(follower).matchIndex()).isEqualTo(leader.log().lastIndex());
        assertThat(leader.status().followers().get(follower).state()).isNotEqualTo("SNAPSHOT");
    }

    @Test
    void aRestartedNodeRestoresFromItsSnapshotAndAppliesTheTail() {
        TestCluster cluster = new TestCluster(3);
        RaftNode leader = cluster.electLeader();
        for (int i = 0; i < 5; i++) {
            leader.propose(bytes("cmd" + i));
        }
        cluster.settle();
        String other = otherThan(cluster, leader, 0);
        SnapshotMetadata snapshot = cluster.compact(other);
        leader.propose(bytes("tail"));
        cluster.tickAll(2);
        cluster.crash(other);
        cluster.restart(other);
        RaftNode restarted = cluster.node(other);
        assertThat(restarted.log().firstIndex()).isEqualTo(snapshot.lastIncludedIndex() + 1);
        assertThat(restarted.status().commitIndex()).isGreaterThanOrEqualTo(snapshot.lastIncludedIndex());
        cluster.tickAll(3);
        assertThat(commandsOf(cluster.member(other).applied)).extracting(e -> new String(e.payload()))
                .containsExactly("cmd0", "cmd1", "cmd2", "cmd3", "cmd4", "tail");
    }

    @Test
    void aLeaderThatCompactedEverythingStillReplicatesAfterRestart() {
        TestCluster cluster = new TestCluster(1);
        RaftNode leader = cluster.electLeader();
        leader.propose(bytes("a"));
        cluster.settle();
        cluster.compact("n1");
        cluster.crash("n1");
        cluster.restart("n1");
        RaftNode restarted = cluster.electLeader();
        assertThat(restarted.propose(bytes("b"))).isInstanceOf(ProposeResult.Accepted.class);
        cluster.settle();
        assertThat(commandsOf(cluster.member("n1").applied)).extracting(e -> new String(e.payload()))
                .containsExactly("a", "b");
    }

    // ---------------------------------------------------------------- a follower stepped by hand

    /** A follower of term 2 holding {@code entries}, all committed up to {@code commit}, persisted at once. */
    private static final class Follower {
        final InMemoryLog durable = new InMemoryLog(THREE);
        final RaftNode node;
        final List<RaftMessage> sent = new ArrayList<>();
        final List<SnapshotMetadata> restored = new ArrayList<>();
        final List<Persist> persists = new ArrayList<>();
        boolean autoPersist = true;

        Follower(List<LogEntry> entries, long commit) {
            durable.append(entries);
            node = RaftNode.start(N2, THREE, RaftOptions.DEFAULTS, new HardState(2, null, commit), durable, commit,
                    new Random(1));
        }

        void step(RaftMessage message) {
            node.step(message);
            drain();
        }

        void drain() {
            while (node.hasReady()) {
                Ready ready = node.ready();
                sent.addAll(ready.messages());
                if (ready.restore() != null) {
                    restored.add(ready.restore());
                    node.applied(ready.restore().lastIncludedIndex());
                }
                if (ready.persist() != null) {
                    persists.add(ready.persist());
                    if (autoPersist) {
                        persistAll();
                    }
                }
                if (!ready.committedEntries().isEmpty()) {
                    node.applied(ready.committedEntries().get(ready.committedEntries().size() - 1).index());
                }
            }
        }

        void persistAll() {
            for (Persist persist : List.copyOf(persists)) {
                if (persist.snapshot() != null) {
                    durable.installSnapshot(persist.snapshot());
                }
                durable.append(persist.entries());
                node.persisted(persist.sequence());
            }
            persists.clear();
        }

        InstallSnapshotResponse lastAnswer() {
            return (InstallSnapshotResponse) sent.get(sent.size() - 1);
        }
    }

    private static List<LogEntry> entries(long... terms) {
        List<LogEntry> out = new ArrayList<>();
        for (int i = 0; i < terms.length; i++) {
            out.add(LogEntry.command(terms[i], i + 1, bytes("e" + (i + 1))));
        }
        return out;
    }

    private static InstallSnapshot install(long term, long index, long lastTerm) {
        return new InstallSnapshot(N1, N2, term, new SnapshotMetadata(index, lastTerm, THREE));
    }

    @Test
    void aFollowerWhoseLogHoldsTheSnapshotsLastEntryKeepsTheEntriesAfterIt() {
        Follower follower = new Follower(entries(1, 1, 2, 2, 2), 1);
        follower.step(install(2, 3, 2));
        assertThat(follower.lastAnswer()).isEqualTo(new InstallSnapshotResponse(N2, N1, 2, 3, true));
        assertThat(follower.node.log().firstIndex()).isEqualTo(4);
        assertThat(follower.node.log().lastIndex()).isEqualTo(5);
        assertThat(follower.node.status().commitIndex()).isEqualTo(3);
        assertThat(follower.restored).extracting(SnapshotMetadata::lastIncludedIndex).containsExactly(3L);
        assertThat(follower.durable.snapshot().lastIncludedIndex()).isEqualTo(3);
        assertThat(follower.durable.lastIndex()).isEqualTo(5);
    }

    @Test
    void aFollowerWhoseLogConflictsWithTheSnapshotDiscardsIt() {
        Follower follower = new Follower(entries(1, 1, 1, 1), 1);
        follower.step(install(2, 3, 2));
        assertThat(follower.lastAnswer().accepted()).isTrue();
        assertThat(follower.node.log().firstIndex()).isEqualTo(4);
        assertThat(follower.node.log().lastIndex()).isEqualTo(3);
        assertThat(follower.durable.lastIndex()).isEqualTo(3);
        assertThat(follower.durable.term(3)).isEqualTo(2);
        // The next AppendEntries continues from the snapshot.
        follower.step(new AppendEntries(N1, N2, 2, 3, 2, List.of(LogEntry.command(2, 4, bytes("x"))), 4));
        assertThat(follower.sent.get(follower.sent.size() - 1))
                .isEqualTo(AppendEntriesResponse.accepted(N2, N1, 2, 4));
    }

    @Test
    void aSnapshotAtOrBelowTheCommitIndexIsAnsweredWithTheCommitIndexAndNotInstalled() {
        Follower follower = new Follower(entries(1, 1, 2, 2), 4);
        follower.step(install(2, 3, 2));
        assertThat(follower.lastAnswer()).isEqualTo(new InstallSnapshotResponse(N2, N1, 2, 4, false));
        assertThat(follower.node.log().firstIndex()).isEqualTo(1);
        assertThat(follower.restored).isEmpty();
    }

    @Test
    void aStaleInstallSnapshotIsAnsweredWithTheCurrentTerm() {
        Follower follower = new Follower(entries(1, 1), 0);
        follower.step(install(1, 2, 1));
        assertThat(follower.lastAnswer()).isEqualTo(new InstallSnapshotResponse(N2, N1, 2, 0, false));
        assertThat(follower.node.log().snapshot().lastIncludedIndex()).isZero();
        assertThat(follower.node.status().commitIndex()).isZero();
    }

    @Test
    void theAnswerLeavesOnlyOnceTheSnapshotBaseIsDurable() {
        Follower follower = new Follower(entries(1, 1), 0);
        follower.autoPersist = false;
        follower.step(install(3, 5, 3));
        assertThat(follower.sent).isEmpty();
        assertThat(follower.persists).hasSize(1);
        assertThat(follower.persists.get(0).snapshot()).isEqualTo(new SnapshotMetadata(5, 3, THREE));
        assertThat(follower.persists.get(0).hardState().term()).isEqualTo(3);
        follower.persistAll();
        follower.drain();
        assertThat(follower.lastAnswer()).isEqualTo(new InstallSnapshotResponse(N2, N1, 3, 5, true));
    }

    @Test
    void aHigherTermInstallSnapshotMakesItsSenderTheLeader() {
        Follower follower = new Follower(entries(1), 0);
        follower.step(install(4, 7, 4));
        assertThat(follower.node.term()).isEqualTo(4);
        assertThat(follower.node.leader()).isEqualTo(N1);
        assertThat(follower.node.log().lastIndex()).isEqualTo(7);
    }

    // ---------------------------------------------------------------- compaction guard rails

    @Test
    void compactionIsRefusedBeyondTheAppliedIndexOrWithAWrongTerm() {
        Follower follower = new Follower(entries(1, 1, 2, 2), 3);
        RaftNode node = follower.node;
        assertThat(node.status().appliedIndex()).isEqualTo(3);
        assertThatThrownBy(() -> node.compact(new SnapshotMetadata(4, 2, THREE)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("only 3 is applied");
        assertThatThrownBy(() -> node.compact(new SnapshotMetadata(3, 1, THREE)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("term-2 entry");
        assertThatThrownBy(() -> node.snapshotMetadataAt(4)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> node.snapshotMetadataAt(0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(node.log().firstIndex()).isEqualTo(1);
    }

    @Test
    void compactionDropsThePrefixAndAnOlderCompactionIsIgnored() {
        Follower follower = new Follower(entries(1, 1, 2, 2), 3);
        RaftNode node = follower.node;
        SnapshotMetadata at3 = node.snapshotMetadataAt(3);
        assertThat(at3).isEqualTo(new SnapshotMetadata(3, 2, THREE));
        node.compact(at3);
        follower.drain();
        assertThat(follower.durable.snapshot()).isEqualTo(at3);
        assertThat(node.log().firstIndex()).isEqualTo(4);
        assertThat(node.log().term(3)).isEqualTo(2);
        assertThatThrownBy(() -> node.log().term(2)).isInstanceOf(IndexOutOfBoundsException.class);
        node.compact(new SnapshotMetadata(2, 1, THREE));
        assertThat(node.log().firstIndex()).isEqualTo(4);
        assertThatThrownBy(() -> node.snapshotMetadataAt(2)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aNodeStartedWithItsStateMachineBehindTheSnapshotIsAskedToRestoreIt() {
        InMemoryLog durable = new InMemoryLog(THREE);
        durable.append(entries(1, 1, 1));
        durable.installSnapshot(new SnapshotMetadata(2, 1, THREE));
        RaftNode node = RaftNode.start(N2, THREE, RaftOptions.DEFAULTS, new HardState(1, null, 1), durable, 0,
                new Random(1));
        assertThat(node.status().commitIndex()).isEqualTo(2);
        Ready ready = node.ready();
        assertThat(ready.restore()).isEqualTo(new SnapshotMetadata(2, 1, THREE));
        node.applied(2);
        assertThat(node.status().appliedIndex()).isEqualTo(2);

        RaftNode restored = RaftNode.start(N2, THREE, RaftOptions.DEFAULTS, new HardState(1, null, 1), durable, 2,
                new Random(1));
        assertThat(restored.ready().restore()).isNull();
    }

    private static String otherThan(TestCluster cluster, RaftNode leader, int which) {
        return cluster.members.keySet().stream().filter(id -> !id.equals(leader.id())).toList().get(which).value();
    }
}
