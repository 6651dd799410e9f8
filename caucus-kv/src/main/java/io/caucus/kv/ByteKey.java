package io.caucus.kv;

import java.util.Arrays;

/** A key as a map key: Redis keys are binary-safe byte strings compared by content. */
final class ByteKey {
    private final byte[] bytes;
    private final int hash;

    ByteKey(byte[] bytes) {
        this.bytes = bytes.clone();
        this.hash = Arrays.hashCode(bytes);
    }

    /** The key's bytes (a copy). */
    byte[] bytes() {
        return bytes.clone();
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
