package io.caucus.kv.state;

import java.util.Arrays;

/** A key as a map key: Redis keys are binary-safe byte strings compared by content. */
final class ByteKey {
    private final byte[] bytes;
    private final int hash;

    ByteKey(byte[] bytes) {
        this(bytes.clone(), true);
    }

    private ByteKey(byte[] owned, boolean unused) {
        this.bytes = owned;
        this.hash = Arrays.hashCode(owned);
    }

    /** A key over {@code owned} without copying it: the caller hands the array over and never changes it. */
    static ByteKey wrap(byte[] owned) {
        return new ByteKey(owned, true);
    }

    /** The key's bytes, not copied: callers must not change them. */
    byte[] bytes() {
        return bytes;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ByteKey key && Arrays.equals(bytes, key.bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }
}
