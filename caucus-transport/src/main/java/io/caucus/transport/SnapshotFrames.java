package io.caucus.transport;

import com.google.protobuf.UnsafeByteOperations;
import io.caucus.core.ConfigurationCodec;
import io.caucus.core.SnapshotMetadata;
import io.caucus.transport.proto.Wire;

/** Maps {@link SnapshotFrame}s to and from their Protocol Buffers form (wire.proto cases 40 and up). */
final class SnapshotFrames {

    private SnapshotFrames() {
    }

    static boolean isSnapshotFrame(Wire.Frame frame) {
        return frame.getBodyCase() == Wire.Frame.BodyCase.SNAPSHOT_CHUNK
                || frame.getBodyCase() == Wire.Frame.BodyCase.SNAPSHOT_CHUNK_ACK;
    }

    static Wire.Frame toFrame(SnapshotFrame frame) {
        return toFrame(WireProtocol.SINGLE_GROUP, frame);
    }

    /** The frame of {@code group}'s snapshot frame; the caller checked that the connection carries the group. */
    static Wire.Frame toFrame(long group, SnapshotFrame frame) {
        return switch (frame) {
            case SnapshotFrame.Chunk c -> Wire.Frame.newBuilder().setGroup(group).setSnapshotChunk(Wire.SnapshotChunk.newBuilder()
                    .setFrom(c.from().value()).setTo(c.to().value()).setTerm(c.term())
                    .setTransferId(c.transferId())
                    .setLastIncludedIndex(c.snapshot().lastIncludedIndex())
                    .setLastIncludedTerm(c.snapshot().lastIncludedTerm())
                    .setConfiguration(UnsafeByteOperations.unsafeWrap(
                            ConfigurationCodec.encode(c.snapshot().configuration())))
                    .setOffset(c.offset())
                    .setData(UnsafeByteOperations.unsafeWrap(c.data()))
                    .setDataCrc(c.dataCrc())
                    .setLast(c.last()).setTotalBytes(c.totalBytes()).setTotalCrc(c.totalCrc())).build();
            case SnapshotFrame.Ack a -> Wire.Frame.newBuilder().setGroup(group).setSnapshotChunkAck(Wire.SnapshotChunkAck.newBuilder()
                    .setFrom(a.from().value()).setTo(a.to().value()).setTransferId(a.transferId())
                    .setReceivedBytes(a.receivedBytes()).setStatus(status(a.status())).setReason(a.reason())).build();
        };
    }

    /**
     * @throws WireFormatException naming the field, if the frame is not a valid snapshot frame
     */
    static SnapshotFrame fromFrame(Wire.Frame frame) {
        try {
            if (frame.hasSnapshotChunk()) {
                return chunk(frame.getSnapshotChunk());
            }
            if (frame.hasSnapshotChunkAck()) {
                return ack(frame.getSnapshotChunkAck());
            }
            throw new WireFormatException("not a snapshot frame: " + frame.getBodyCase());
        } catch (IllegalArgumentException e) {
            throw new WireFormatException("invalid snapshot frame: " + e.getMessage(), e);
        }
    }

    private static SnapshotFrame.Chunk chunk(Wire.SnapshotChunk c) {
        SnapshotMetadata snapshot = new SnapshotMetadata(c.getLastIncludedIndex(), c.getLastIncludedTerm(),
                ConfigurationCodec.decode(c.getConfiguration().toByteArray()));
        return new SnapshotFrame.Chunk(WireCodec.nodeId("SnapshotChunk.from", c.getFrom()),
                WireCodec.nodeId("SnapshotChunk.to", c.getTo()), c.getTerm(), c.getTransferId(), snapshot,
                c.getOffset(), c.getData().toByteArray(), c.getDataCrc(), c.getLast(), c.getTotalBytes(),
                c.getTotalCrc());
    }

    private static SnapshotFrame.Ack ack(Wire.SnapshotChunkAck a) {
        return new SnapshotFrame.Ack(WireCodec.nodeId("SnapshotChunkAck.from", a.getFrom()),
                WireCodec.nodeId("SnapshotChunkAck.to", a.getTo()), a.getTransferId(), a.getReceivedBytes(),
                status(a.getStatus()), a.getReason());
    }

    private static Wire.SnapshotChunkStatus status(SnapshotFrame.Status status) {
        return switch (status) {
            case ACCEPTED -> Wire.SnapshotChunkStatus.SNAPSHOT_CHUNK_STATUS_ACCEPTED;
            case INSTALLED -> Wire.SnapshotChunkStatus.SNAPSHOT_CHUNK_STATUS_INSTALLED;
            case REFUSED -> Wire.SnapshotChunkStatus.SNAPSHOT_CHUNK_STATUS_REFUSED;
        };
    }

    private static SnapshotFrame.Status status(Wire.SnapshotChunkStatus status) {
        return switch (status) {
            case SNAPSHOT_CHUNK_STATUS_ACCEPTED -> SnapshotFrame.Status.ACCEPTED;
            case SNAPSHOT_CHUNK_STATUS_INSTALLED -> SnapshotFrame.Status.INSTALLED;
            case SNAPSHOT_CHUNK_STATUS_REFUSED -> SnapshotFrame.Status.REFUSED;
            case SNAPSHOT_CHUNK_STATUS_UNSPECIFIED, UNRECOGNIZED -> throw new WireFormatException(
                    "SnapshotChunkAck.status is not a known status: " + status);
        };
    }
}
