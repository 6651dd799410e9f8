package io.caucus.core;

import io.caucus.core.message.InstallSnapshot;
import io.caucus.core.message.InstallSnapshotResponse;

/**
 * Snapshots and log compaction (Raft paper §7): the leader sends its snapshot to a follower that needs entries
 * it has compacted away, the follower installs it, and the runtime's snapshots of the applied state compact
 * the log. While a follower's snapshot is in flight nothing else goes to it ({@link Progress.State#SNAPSHOT}).
 */
final class SnapshotTransfer {

    private final RaftNode node;
    private final RaftLog log;

    SnapshotTransfer(RaftNode node) {
        this.node = node;
        this.log = node.log;
    }

    /** The follower needs entries this leader has compacted away: it is sent the snapshot that replaced them. */
    void send(NodeId to, Progress progress) {
        SnapshotMetadata snapshot = log.snapshot();
        Invariants.check(snapshot.lastIncludedIndex() > 0, "entry " + progress.nextIndex() + " for " + to
                + " is below the first index " + log.firstIndex() + " without a snapshot covering it");
        progress.becomeSnapshot(snapshot.lastIncludedIndex());
        node.send(new InstallSnapshot(node.id, to, node.term, snapshot));
    }

    /**
     * §7, receiver: a snapshot at or below the commit index adds nothing, so the answer says how far this log
     * already agrees; otherwise the log keeps the entries after the snapshot's last one if it holds that entry
     * with the same term, and is discarded if not. The answer leaves once the new base is durable.
     */
    void handleInstallSnapshot(InstallSnapshot install) {
        node.followLeader(install.from());
        SnapshotMetadata snapshot = install.snapshot();
        if (snapshot.lastIncludedIndex() <= log.committed()) {
            node.sendWhenDurable(new InstallSnapshotResponse(node.id, install.from(), node.term, log.committed(),
                    false));
            return;
        }
        log.installSnapshot(snapshot);
        node.configurations.snapshotInstalled(snapshot);
        if (log.lastIndex() == snapshot.lastIncludedIndex()) {
            node.configurations.truncatedFrom(snapshot.lastIncludedIndex() + 1); // the log was discarded (§7)
        }
        node.membership.configurationsChanged();
        Invariants.check(log.committed() == snapshot.lastIncludedIndex() && log.firstIndex() == log.committed() + 1,
                "after installing the snapshot at " + snapshot.lastIncludedIndex() + ": commit " + log.committed()
                        + ", first index " + log.firstIndex());
        node.sendWhenDurable(new InstallSnapshotResponse(node.id, install.from(), node.term,
                snapshot.lastIncludedIndex(), true));
    }

    void handleInstallSnapshotResponse(InstallSnapshotResponse response) {
        Progress progress = node.replication.answeringFollower(response);
        if (progress == null) {
            return;
        }
        Invariants.check(response.matchIndex() <= log.lastIndex(),
                response.from() + " holds " + response.matchIndex() + " beyond our last index " + log.lastIndex());
        if (progress.snapshotAnswered(response.matchIndex())) {
            node.commitment.maybeCommit();
        }
        node.replication.sendAppendIfUnpaused(response.from(), progress);
    }

    /** See {@link RaftNode#reportSnapshotFailed}. */
    void failed(NodeId follower) {
        Progress progress = node.role == Role.LEADER ? node.followers.get(follower) : null;
        if (progress != null) {
            progress.snapshotFailed();
        }
    }

    /** See {@link RaftNode#snapshotMetadataAt}. */
    SnapshotMetadata metadataAt(long index) {
        if (index < 1 || index > log.applied() || index < log.firstIndex() - 1) {
            throw new IllegalArgumentException("no snapshot can be taken at index " + index + ": the applied index is "
                    + log.applied() + " and the log starts after " + (log.firstIndex() - 1));
        }
        return new SnapshotMetadata(index, log.term(index), node.configurations.at(index));
    }

    /** See {@link RaftNode#compact}. */
    void compact(SnapshotMetadata snapshot) {
        long index = snapshot.lastIncludedIndex();
        if (index <= log.snapshot().lastIncludedIndex()) {
            return;
        }
        if (index > log.applied()) {
            throw new IllegalArgumentException("cannot compact to " + index + ": only " + log.applied()
                    + " is applied, and a snapshot holds applied state only");
        }
        if (log.term(index) != snapshot.lastIncludedTerm()) {
            throw new IllegalArgumentException("cannot compact to " + index + "/t" + snapshot.lastIncludedTerm()
                    + ": the log holds a term-" + log.term(index) + " entry there");
        }
        log.compact(snapshot);
        node.configurations.compactedTo(index);
    }
}
