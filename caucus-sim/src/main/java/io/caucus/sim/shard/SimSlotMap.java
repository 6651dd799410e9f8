package io.caucus.sim.shard;

import io.caucus.kv.slots.KeySlot;
import io.caucus.kv.slots.SlotMap;
import io.caucus.kv.slots.SlotRange;
import java.nio.charset.StandardCharsets;

/**
 * The slot map of a simulated sharded cluster: caucus-kv's {@link SlotMap}, held by the simulation in place of the
 * metadata group (whose log is not simulated), so every change is one epoch and takes effect at once for whoever
 * reads it next. The {@link SimSlotMover} records and finishes migrations; clients route by it.
 */
public final class SimSlotMap {

    private SlotMap current;

    public SimSlotMap(SlotMap initial) {
        this.current = initial;
    }

    public SlotMap current() {
        return current;
    }

    /** The group that owns {@code key}'s slot (the source while its slot migrates). */
    public long groupOf(String key) {
        int slot = slotOf(key);
        return current.groupOf(slot).orElseThrow(() -> new IllegalStateException("slot " + slot + " is unassigned"));
    }

    public static int slotOf(String key) {
        return KeySlot.of(key.getBytes(StandardCharsets.UTF_8));
    }

    void startMigration(SlotRange range, long target) {
        current = current.startMigration(range, target);
    }

    void finishMigration(SlotRange range) {
        current = current.finishMigration(range);
    }
}
