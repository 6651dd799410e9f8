package io.caucus.transport;

/** Constants of the peer wire protocol (see docs/transport.md, "Protocol versions"). */
public final class WireProtocol {

    /**
     * The oldest protocol version this build speaks. Version 1: the first. Version 2: a configuration carries
     * its members' addresses (InstallSnapshot's {@code Configuration.addresses}). Version 3: followers' reads
     * ({@code ReadIndexRequest}, {@code ReadIndexResponse}).
     */
    public static final int MIN_PROTOCOL_VERSION = 1;

    /**
     * The newest protocol version this build speaks. Raise it for any change an old peer cannot safely
     * ignore, and speak the older versions too, so that a cluster upgrades one node at a time.
     */
    public static final int PROTOCOL_VERSION = 3;

    /** The oldest version that carries followers' reads (thesis §6.4.1). */
    public static final int FOLLOWER_READS_VERSION = 3;

    /** Bytes of the big-endian length that precedes every frame. */
    public static final int LENGTH_PREFIX_BYTES = 4;

    private WireProtocol() {
    }

    /** The newest version both ranges hold, or -1 if they share none. */
    static int newestCommon(int theirMin, int theirMax, int ourMin, int ourMax) {
        int newest = Math.min(theirMax, ourMax);
        return newest >= Math.max(theirMin, ourMin) ? newest : -1;
    }

    /** A range as logs show it: "1..2", or "1" for one version. */
    static String range(int min, int max) {
        return min == max ? String.valueOf(min) : min + ".." + max;
    }
}
