package io.caucus.bench.cluster;

import java.util.SplittableRandom;

/**
 * The load every system gets: {@code clients} closed-loop clients, keys of exactly 8 ASCII digits drawn
 * uniformly from {@code keySpace}, values of {@code valueBytes} random printable bytes.
 */
record Workload(int clients, int keySpace, int valueBytes) {

    static final int KEY_BYTES = 8;

    Workload {
        if (clients < 1 || keySpace < 1 || keySpace > 100_000_000 || valueBytes < 1) {
            throw new IllegalArgumentException("need clients >= 1, 1 <= keys <= 10^8 (8-digit keys), value bytes >= 1;"
                    + " got clients=" + clients + " keys=" + keySpace + " valueBytes=" + valueBytes);
        }
    }

    /** Writes a uniformly drawn key into {@code key} (length {@link #KEY_BYTES}) and returns it. */
    byte[] nextKey(SplittableRandom random, byte[] key) {
        int n = random.nextInt(keySpace);
        for (int i = KEY_BYTES - 1; i >= 0; i--) {
            key[i] = (byte) ('0' + n % 10);
            n /= 10;
        }
        return key;
    }

    byte[] randomValue(SplittableRandom random) {
        byte[] value = new byte[valueBytes];
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) ('a' + random.nextInt(26));
        }
        return value;
    }
}
