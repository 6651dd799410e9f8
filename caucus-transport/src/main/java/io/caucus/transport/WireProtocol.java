package io.caucus.transport;

/** Constants of the peer wire protocol (see docs/transport.md). */
public final class WireProtocol {

    /**
     * The protocol version this build speaks. Peers must speak the same version: the acceptor refuses a Hello
     * of any other. Raise it for any change an old peer cannot safely ignore.
     */
    public static final int PROTOCOL_VERSION = 1;

    /** Bytes of the big-endian length that precedes every frame. */
    public static final int LENGTH_PREFIX_BYTES = 4;

    private WireProtocol() {
    }
}
