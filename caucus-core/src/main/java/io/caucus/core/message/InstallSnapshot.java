package io.caucus.core.message;

import io.caucus.core.NodeId;
import io.caucus.core.SnapshotMetadata;

/**
 * The leader tells a follower that needs entries it has compacted away to take its snapshot instead (Raft paper
 * §7). The core carries only the snapshot's metadata: the runtimes stream the data itself beforehand, and the
 * follower's runtime steps this message into its core only once the data is committed to its snapshot store.
 *
 * @param snapshot the snapshot the follower's runtime now holds: last included index and term, configuration
 */
public record InstallSnapshot(NodeId from, NodeId to, long term, SnapshotMetadata snapshot) implements RaftMessage {

    public InstallSnapshot {
        if (snapshot == null || snapshot.lastIncludedIndex() == 0) {
            throw new IllegalArgumentException("InstallSnapshot needs a snapshot that includes at least one entry, got "
                    + snapshot);
        }
    }
}
