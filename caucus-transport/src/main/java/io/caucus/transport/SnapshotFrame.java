package io.caucus.transport;

import io.caucus.core.NodeId;
import io.caucus.core.SnapshotMetadata;
import java.util.Objects;

/**
 * Frames that stream a snapshot's data between two runtimes (Raft paper §7). They are not Raft messages: the
 * core only sees the InstallSnapshot message once the data is on the follower's disk. Flow control is the
 * runtime's: the sender keeps a bounded number of chunks unacknowledged.
 */
public sealed interface SnapshotFrame {

    NodeId from();

    NodeId to();

    /** Estimated bytes for the outbound queue's byte bound. */
    long estimatedSizeBytes();

    /**
     * One chunk of a snapshot's data.
     *
     * @param term       the leader's term when the transfer began
     * @param transferId names the transfer; each attempt gets a new one
     * @param snapshot   the snapshot being sent
     * @param offset     where {@code data} starts in the snapshot's data
     * @param data       the chunk's bytes (not copied: neither side changes them)
     * @param dataCrc    CRC32C of {@code data}
     * @param last       true on the final chunk, which also carries the whole data's length and CRC32C
     */
    record Chunk(NodeId from, NodeId to, long term, long transferId, SnapshotMetadata snapshot, long offset,
                 byte[] data, int dataCrc, boolean last, long totalBytes, int totalCrc) implements SnapshotFrame {

        public Chunk {
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(to, "to");
            Objects.requireNonNull(snapshot, "snapshot");
            Objects.requireNonNull(data, "data");
            if (offset < 0 || term < 1 || snapshot.lastIncludedIndex() < 1) {
                throw new IllegalArgumentException("invalid snapshot chunk: offset " + offset + ", term " + term
                        + ", snapshot index " + snapshot.lastIncludedIndex());
            }
            if (last && totalBytes != offset + data.length) {
                throw new IllegalArgumentException("the last chunk ends at " + (offset + data.length)
                        + " but the snapshot's total is " + totalBytes + " bytes");
            }
        }

        @Override
        public long estimatedSizeBytes() {
            return WireCodec.MESSAGE_OVERHEAD_BYTES + data.length;
        }
    }

    /** The receiver's answer to a chunk. */
    enum Status {
        /** Written; send more. */
        ACCEPTED,
        /** Verified and committed to the receiver's snapshot store. */
        INSTALLED,
        /** Abandoned (out of order, bad checksum, superseded, a receiver failure): the sender starts over. */
        REFUSED
    }

    /**
     * @param receivedBytes data bytes received and written so far
     * @param reason        why the transfer was refused (empty otherwise)
     */
    record Ack(NodeId from, NodeId to, long transferId, long receivedBytes, Status status, String reason)
            implements SnapshotFrame {

        public Ack {
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(to, "to");
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(reason, "reason");
        }

        @Override
        public long estimatedSizeBytes() {
            return WireCodec.MESSAGE_OVERHEAD_BYTES + reason.length();
        }
    }
}
