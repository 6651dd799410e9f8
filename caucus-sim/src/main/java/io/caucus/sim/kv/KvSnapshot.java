package io.caucus.sim.kv;

import java.util.Arrays;

/**
 * A snapshot of a node's key-value state as of an applied index, in the service's own snapshot format
 * ({@link io.caucus.kv.state.KvSnapshotFormat}): the bytes a real node writes to its snapshot store. Equal states
 * need not give equal bytes (keys are written in the order of a table whose size depends on its history), so states
 * are compared by {@link #fingerprint()}.
 */
public record KvSnapshot(long appliedIndex, byte[] data) {

    public KvSnapshot {
        data = data.clone();
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    /** The {@link KvReplica#fingerprint()} of the state this snapshot holds: loads it into a state machine. */
    public String fingerprint() {
        KvReplica loaded = new KvReplica();
        loaded.restore(this);
        return loaded.fingerprint();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof KvSnapshot that && appliedIndex == that.appliedIndex && Arrays.equals(data, that.data);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(appliedIndex) * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "KvSnapshot[index " + appliedIndex + ", " + data.length + " bytes]";
    }
}
