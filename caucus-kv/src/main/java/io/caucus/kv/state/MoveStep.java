package io.caucus.kv.state;

import io.caucus.kv.slots.SlotRange;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One step of moving a slot range from a source data group to a target data group, as an entry of one group's log
 * (docs/multiraft.md, "Moving slots between groups"). The mover proposes them; clients never do. Every step is
 * idempotent and safe to apply late (a step whose outcome was unknown may commit after the mover retried it), so a
 * mover that crashes or loses its leadership can run the move again from the start.
 *
 * <p>In the source: {@link Migrate}, then {@link Release} per batch, then {@link Handover}, and {@link Forget} once
 * the map records the move as done. In the target: {@link Import}, then {@link Stage} and {@link Promote} per batch,
 * then {@link Own}.
 */
public sealed interface MoveStep {

    /** Source: the range's keys are moving to {@code target}; a key this group no longer holds is answered ASK. */
    record Migrate(SlotRange range, long target) implements MoveStep {
    }

    /** Target: the range's keys are coming from {@code source}; serves those it holds or were never in the source. */
    record Import(SlotRange range, long source) implements MoveStep {
    }

    /**
     * Target: copies of source keys, kept apart and served to no one until {@link Promote}; {@code keys} is a key batch
     * ({@link KvSnapshotFormat#writeKeyBatch}) whose entries carry the source's version (last changed index).
     */
    record Stage(long source, byte[] keys) implements MoveStep {
    }

    /**
     * Target: part of the copy of one key too large for one {@link Stage} (a key batch of that key alone,
     * {@code total} bytes, cut in parts sent in order from offset 0): kept apart until the last part, which stages the
     * key as a {@link Stage} of it would. A part that does not follow the ones applied is refused (the mover copies the
     * key again from its start); a part applied again changes nothing. The copy's {@code version} is the key's in the
     * source, as in {@link Release}.
     */
    record StagePart(long source, byte[] key, long version, long offset, long total, byte[] bytes) implements MoveStep {
        public StagePart {
            if (offset < 0 || bytes.length == 0 || offset + bytes.length > total || total > MAX_KEY_COPY_BYTES) {
                throw new IllegalArgumentException("a part of " + bytes.length + " bytes at offset " + offset
                        + " does not fit a copy of " + total + " bytes (at most " + MAX_KEY_COPY_BYTES + ")");
            }
        }

        boolean last() {
            return offset + bytes.length == total;
        }
    }

    /**
     * Source: deletes each key still at the version copied, remembering it as released (answered ASK from then on);
     * the reply gives, per key, {@link #RELEASED}, {@link #KEPT} (changed since the copy: copied again later) or
     * {@link #ABSENT} (deleted or expired since: the target drops its copy).
     */
    record Release(long target, List<KeyVersion> keys) implements MoveStep {
        public Release {
            keys = List.copyOf(keys);
        }
    }

    /** Target: serves the staged copies of {@code released} from now on and drops those of {@code dropped}. */
    record Promote(long source, List<byte[]> released, List<byte[]> dropped) implements MoveStep {
        public Promote {
            released = List.copyOf(released);
            dropped = List.copyOf(dropped);
        }
    }

    /**
     * Source: the range is {@code target}'s; every command for it is answered MOVED from now on. Refused, changing
     * nothing, while the source still holds a key of the range (the mover copies it first). Answers the keys this
     * group released to the target (an array of bulk strings), which the mover promotes in the target before its
     * {@link Own}: some may be staged there still, if the promote of their batch was lost with a mover.
     */
    record Handover(SlotRange range, long target) implements MoveStep {
    }

    /** Target: the range is this group's; copies still staged for it are dropped (their keys were never released). */
    record Own(SlotRange range, long source) implements MoveStep {
    }

    /**
     * Source, after the map records the move as done: forgets the names of the keys it released to {@code target}
     * (kept so that a hand-over applied again lists them all), for slots of the range it has handed over to it.
     * Changes nothing for a slot still migrating: its names are needed until the hand-over.
     */
    record Forget(SlotRange range, long target) implements MoveStep {
    }

    /** A key and the index of its last change in the source. */
    record KeyVersion(byte[] key, long version) {
    }

    /** {@link Release}'s answers, per key. */
    long RELEASED = 1;
    long KEPT = 0;
    long ABSENT = -1;
    /** {@link Release}'s answer for a key whose slot is not migrating to the release's target here. */
    long NOT_MIGRATING = -2;

    byte MIGRATE = 1;
    byte IMPORT = 2;
    byte STAGE = 3;
    byte RELEASE = 4;
    byte PROMOTE = 5;
    byte HANDOVER = 6;
    byte OWN = 7;
    byte FORGET = 8;
    byte STAGE_PART = 9;
    /** The largest copy of one key a target assembles from parts: a Java array's reach. */
    long MAX_KEY_COPY_BYTES = Integer.MAX_VALUE - 8;

    /**
     * The keys of a batch the source's {@link KvQuery.MoveScan} answered, each with the version copied, for the
     * {@link Release} that follows its {@link Stage}.
     *
     * @throws IllegalArgumentException if {@code batch} is not a key batch
     */
    static List<KeyVersion> versionsIn(byte[] batch) {
        try {
            List<KeyVersion> keys = new ArrayList<>();
            KvSnapshotFormat.readKeyBatch(batch)
                    .forEach(e -> keys.add(new KeyVersion(e.key(), ((KeyEntry) e).modifiedIndex())));
            return keys;
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /**
     * The parts of {@code oneKeyBatch} (a key batch of one key, at {@code version} in the source) for {@link StagePart}
     * steps of at most {@code partBytes} bytes each.
     */
    static List<StagePart> parts(long source, KeyVersion key, byte[] oneKeyBatch, int partBytes) {
        List<StagePart> parts = new ArrayList<>();
        for (int offset = 0; offset < oneKeyBatch.length; offset += partBytes) {
            byte[] bytes = java.util.Arrays.copyOfRange(oneKeyBatch, offset,
                    Math.min(oneKeyBatch.length, offset + partBytes));
            parts.add(new StagePart(source, key.key(), key.version(), offset, oneKeyBatch.length, bytes));
        }
        return parts;
    }

    /**
     * {@code batch} cut into batches of at most about {@code maxBytes} each (a key larger than that alone), in order:
     * a source's scan step can return more than asked (a SCAN step walks whole buckets of both tables while a
     * snapshot is being written), and each {@link Stage} must stay one log entry under the largest command.
     */
    static List<byte[]> split(byte[] batch, long maxBytes) {
        List<byte[]> parts = new ArrayList<>();
        List<KeyEntry> part = new ArrayList<>();
        long bytes = 0;
        try {
            for (Dict.Entry<Object> e : KvSnapshotFormat.readKeyBatch(batch).entries()) {
                KeyEntry entry = (KeyEntry) e;
                long size = KvSnapshotFormat.encodedSize(entry);
                if (!part.isEmpty() && bytes + size > maxBytes) {
                    parts.add(KvSnapshotFormat.writeKeyBatch(part));
                    part = new ArrayList<>();
                    bytes = 0;
                }
                part.add(entry);
                bytes += size;
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        if (!part.isEmpty()) {
            parts.add(KvSnapshotFormat.writeKeyBatch(part));
        }
        return parts;
    }

    /** The step's binary form (big-endian, within a {@link KvEntry.Move} entry). */
    static byte[] encode(MoveStep step) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            switch (step) {
                case Migrate migrate -> writeRange(out, MIGRATE, migrate.range(), migrate.target());
                case Import in -> writeRange(out, IMPORT, in.range(), in.source());
                case Handover handover -> writeRange(out, HANDOVER, handover.range(), handover.target());
                case Own own -> writeRange(out, OWN, own.range(), own.source());
                case Forget forget -> writeRange(out, FORGET, forget.range(), forget.target());
                case StagePart part -> {
                    out.writeByte(STAGE_PART);
                    out.writeLong(part.source());
                    writeBytes(out, part.key());
                    out.writeLong(part.version());
                    out.writeLong(part.offset());
                    out.writeLong(part.total());
                    writeBytes(out, part.bytes());
                }
                case Stage stage -> {
                    out.writeByte(STAGE);
                    out.writeLong(stage.source());
                    writeBytes(out, stage.keys());
                }
                case Release release -> {
                    out.writeByte(RELEASE);
                    out.writeLong(release.target());
                    out.writeInt(release.keys().size());
                    for (KeyVersion key : release.keys()) {
                        writeBytes(out, key.key());
                        out.writeLong(key.version());
                    }
                }
                case Promote promote -> {
                    out.writeByte(PROMOTE);
                    out.writeLong(promote.source());
                    writeKeys(out, promote.released());
                    writeKeys(out, promote.dropped());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return bytes.toByteArray();
    }

    /**
     * The step {@code data} encodes.
     *
     * @throws IllegalArgumentException naming what is wrong, for bytes that are not a step
     */
    static MoveStep decode(byte[] data) {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
        try {
            byte tag = in.readByte();
            MoveStep step = switch (tag) {
                case MIGRATE -> new Migrate(readRange(in), in.readLong());
                case IMPORT -> new Import(readRange(in), in.readLong());
                case HANDOVER -> new Handover(readRange(in), in.readLong());
                case OWN -> new Own(readRange(in), in.readLong());
                case FORGET -> new Forget(readRange(in), in.readLong());
                case STAGE -> new Stage(in.readLong(), readBytes(in, data.length));
                case STAGE_PART -> new StagePart(in.readLong(), readBytes(in, data.length), in.readLong(),
                        in.readLong(), in.readLong(), readBytes(in, data.length));
                case RELEASE -> {
                    long target = in.readLong();
                    int count = count(in, data.length);
                    List<KeyVersion> keys = new ArrayList<>(count);
                    for (int i = 0; i < count; i++) {
                        keys.add(new KeyVersion(readBytes(in, data.length), in.readLong()));
                    }
                    yield new Release(target, keys);
                }
                case PROMOTE -> new Promote(in.readLong(), readKeys(in, data.length), readKeys(in, data.length));
                default -> throw new IllegalArgumentException("unknown slot move step " + tag);
            };
            if (in.available() > 0) {
                throw new IllegalArgumentException("slot move step has " + in.available() + " bytes after its end");
            }
            return step;
        } catch (EOFException e) {
            throw new IllegalArgumentException("slot move step ends inside a field");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeRange(DataOutputStream out, byte tag, SlotRange range, long group) throws IOException {
        out.writeByte(tag);
        out.writeShort(range.start());
        out.writeShort(range.end());
        out.writeLong(group);
    }

    private static SlotRange readRange(DataInputStream in) throws IOException {
        return new SlotRange(in.readUnsignedShort(), in.readUnsignedShort());
    }

    private static void writeKeys(DataOutputStream out, List<byte[]> keys) throws IOException {
        out.writeInt(keys.size());
        for (byte[] key : keys) {
            writeBytes(out, key);
        }
    }

    private static List<byte[]> readKeys(DataInputStream in, int limit) throws IOException {
        int count = count(in, limit);
        List<byte[]> keys = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            keys.add(readBytes(in, limit));
        }
        return keys;
    }

    private static void writeBytes(DataOutputStream out, byte[] bytes) throws IOException {
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static byte[] readBytes(DataInputStream in, int limit) throws IOException {
        byte[] bytes = new byte[count(in, limit)];
        in.readFully(bytes);
        return bytes;
    }

    /** A count or length, refused if negative or larger than the whole input could hold. */
    private static int count(DataInputStream in, int limit) throws IOException {
        int count = in.readInt();
        if (count < 0 || count > limit) {
            throw new IllegalArgumentException("slot move step claims " + count + " items in " + limit + " bytes");
        }
        return count;
    }
}
