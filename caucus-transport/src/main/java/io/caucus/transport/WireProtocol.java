package io.caucus.transport;

/** Constants of the peer wire protocol (see docs/transport.md, "Protocol versions"). */
public final class WireProtocol {

    /**
     * The oldest protocol version this build speaks. Version 1: the first. Version 2: a configuration carries
     * its members' addresses (InstallSnapshot's {@code Configuration.addresses}). Version 3: followers' reads
     * ({@code ReadIndexRequest}, {@code ReadIndexResponse}). Version 4: frames tagged with a Raft group
     * ({@code Frame.group}) and process pings, for hosts of many groups (multi-Raft).
     */
    public static final int MIN_PROTOCOL_VERSION = 1;

    /**
     * The newest protocol version this build speaks. Raise it for any change an old peer cannot safely
     * ignore, and speak the older versions too, so that a cluster upgrades one node at a time.
     */
    public static final int PROTOCOL_VERSION = 4;

    /** The oldest version that carries followers' reads (thesis §6.4.1). */
    public static final int FOLLOWER_READS_VERSION = 3;

    /** The oldest version that carries frames of a group other than 0, and process pings (multi-Raft). */
    public static final int GROUPS_VERSION = 4;

    /**
     * The group of a node that runs one Raft group, the only one protocol versions 1 to 3 know: its frames carry no
     * group tag.
     */
    public static final long SINGLE_GROUP = 0;

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
