package io.caucus.core;

/**
 * Describes the state-machine snapshot that replaces a prefix of the log (Raft paper §7): the last index and
 * term it includes, and the cluster configuration as of that index.
 */
public record SnapshotMetadata(long lastIncludedIndex, long lastIncludedTerm, ClusterConfiguration configuration) {

    public SnapshotMetadata {
        if (lastIncludedIndex < 0 || lastIncludedTerm < 0) {
            throw new IllegalArgumentException("negative snapshot index or term");
        }
        if ((lastIncludedIndex == 0) != (lastIncludedTerm == 0)) {
            throw new IllegalArgumentException("snapshot index and term must both be zero or both positive");
        }
        if (configuration == null) {
            throw new IllegalArgumentException("snapshot configuration must not be null");
        }
    }

    /** The empty snapshot every log starts from: index 0, term 0. */
    public static SnapshotMetadata empty(ClusterConfiguration configuration) {
        return new SnapshotMetadata(0, 0, configuration);
    }
}
