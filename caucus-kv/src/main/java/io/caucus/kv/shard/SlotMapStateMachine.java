package io.caucus.kv.shard;

import io.caucus.kv.slots.CorruptSlotMapException;
import io.caucus.kv.slots.SlotMap;
import io.caucus.server.StateMachine;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * The metadata group's state machine: the slot map, changed only by compare-and-set on its epoch, so two
 * operators (or two nodes installing the first map) can never both change the map from the same version.
 *
 * <p>Commands: {@link #install(long, SlotMap)} (a tag byte, the expected epoch, the new map's bytes). Results: an
 * empty array when applied, else the 8 bytes of the epoch in force (not applied). A command this version cannot
 * read is answered with the epoch in force as well and changes nothing: a committed command is never skipped
 * differently by two replicas, and an unknown one is refused alike by all.
 *
 * <p>{@link #current()} is published for the routing threads; the apply thread is its only writer.
 */
public final class SlotMapStateMachine implements StateMachine {

    private static final byte INSTALL = 1;

    private volatile SlotMap current = SlotMap.EMPTY;

    /** The map as of the last applied command: {@link SlotMap#EMPTY} (epoch 0) until one is installed. */
    public SlotMap current() {
        return current;
    }

    /** A command installing {@code next} if the map in force still has epoch {@code expectedEpoch}. */
    public static byte[] install(long expectedEpoch, SlotMap next) {
        byte[] map = next.encode();
        return ByteBuffer.allocate(1 + Long.BYTES + map.length).put(INSTALL).putLong(expectedEpoch).put(map).array();
    }

    /** True if {@code result} (of an {@link #install} command) says the map was installed. */
    public static boolean installed(byte[] result) {
        return result.length == 0;
    }

    @Override
    public byte[] apply(long index, byte[] command) {
        SlotMap before = current;
        if (command.length < 1 + Long.BYTES || command[0] != INSTALL) {
            return epochBytes(before);
        }
        ByteBuffer buffer = ByteBuffer.wrap(command);
        buffer.get();
        long expectedEpoch = buffer.getLong();
        if (expectedEpoch != before.epoch()) {
            return epochBytes(before);
        }
        byte[] encoded = new byte[buffer.remaining()];
        buffer.get(encoded);
        SlotMap next;
        try {
            next = SlotMap.decode(encoded);
        } catch (CorruptSlotMapException e) {
            return epochBytes(before);
        }
        if (next.epoch() <= before.epoch()) {
            return epochBytes(before); // epochs only grow: a client keeping the highest one seen never goes back
        }
        current = next;
        return new byte[0];
    }

    /** Every query is answered with the map in force, encoded. */
    @Override
    public byte[] query(byte[] query) {
        return current.encode();
    }

    @Override
    public Snapshot snapshot(long appliedIndex) {
        SlotMap captured = current; // immutable: nothing to copy
        return out -> out.write(captured.encode());
    }

    @Override
    public void restore(long lastIncludedIndex, InputStream data) throws IOException {
        current = SlotMap.decode(data.readAllBytes());
    }

    private static byte[] epochBytes(SlotMap map) {
        return ByteBuffer.allocate(Long.BYTES).putLong(map.epoch()).array();
    }
}
