package io.caucus.kv.slots;

/**
 * The hash slot of a key, exactly as Redis Cluster computes it (cluster specification, "Keys distribution model"):
 * CRC16 of the key modulo 16,384, where the key's <em>hashtag</em>, the bytes between its first {@code {} and the
 * first {@code }} after it, replaces the key when that part is not empty. Keys sharing a hashtag share a slot, which
 * is what lets a client keep the keys of one multi-key command or transaction together.
 */
public final class KeySlot {

    /** The number of hash slots: Redis's fixed 16,384. */
    public static final int SLOTS = 16384;

    /** CRC16/XMODEM (polynomial 0x1021, initial value 0, no reflection), a byte at a time. */
    private static final int[] TABLE = new int[256];

    static {
        for (int b = 0; b < 256; b++) {
            int crc = b << 8;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
            TABLE[b] = crc & 0xFFFF;
        }
    }

    private KeySlot() {
    }

    /** The slot (0..16383) of {@code key}. */
    public static int of(byte[] key) {
        int open = indexOf(key, (byte) '{', 0);
        if (open >= 0) {
            int close = indexOf(key, (byte) '}', open + 1);
            // "{}" hashes the whole key: an empty hashtag would put every such key in one slot by accident.
            if (close > open + 1) {
                return crc16(key, open + 1, close) & (SLOTS - 1);
            }
        }
        return crc16(key, 0, key.length) & (SLOTS - 1);
    }

    /** CRC16/XMODEM of {@code bytes[from..to)}: the checksum Redis Cluster hashes keys with. */
    static int crc16(byte[] bytes, int from, int to) {
        int crc = 0;
        for (int i = from; i < to; i++) {
            crc = ((crc << 8) ^ TABLE[((crc >>> 8) ^ bytes[i]) & 0xFF]) & 0xFFFF;
        }
        return crc;
    }

    private static int indexOf(byte[] bytes, byte wanted, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == wanted) {
                return i;
            }
        }
        return -1;
    }
}
