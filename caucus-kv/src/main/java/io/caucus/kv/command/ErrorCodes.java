package io.caucus.kv.command;

/**
 * The first word of every error reply, and what it tells a client about its write. "Not applied" means a
 * retry cannot apply the command twice; "unknown" means it may have been applied (or may still be).
 */
public final class ErrorCodes {

    /** A bad command (unknown, wrong arity, not an integer...) or a state error: nothing changed. */
    public static final String ERR = "ERR";
    /** No leader is known right now (election, or a majority is unreachable): not applied. */
    public static final String NOLEADER = "NOLEADER";
    /** This node is not the leader and could not forward: not applied. The leader's id follows. */
    public static final String NOTLEADER = "NOTLEADER";
    /** Too many requests are waiting: not applied; retry later. */
    public static final String OVERLOADED = "OVERLOADED";
    /** The node is shutting down: not applied. */
    public static final String SHUTDOWN = "SHUTDOWN";
    /** The write was proposed but its fate is not known (timeout, leader lost): it may have been applied. */
    public static final String UNKNOWN = "UNKNOWN";
    /**
     * An earlier write of the same connection has not been applied (yet), so this one was not either: writes
     * of a connection apply in order. The node retries it until the request timeout; a client sees it only
     * when the earlier write failed for good.
     */
    public static final String OUTOFORDER = "OUTOFORDER";
    /** The connection's session was expired by the cluster; the write's outcome is unknown. Reconnect. */
    public static final String SESSIONEXPIRED = "SESSIONEXPIRED";
    /**
     * The key's slot is being moved between groups and the key is in transit (or a command's keys are split between
     * the two groups): not applied. Redis Cluster's code; the node retries it until the request timeout.
     */
    public static final String TRYAGAIN = "TRYAGAIN";
    /**
     * A group's state machine sends the client to another group of a slot it is moving out ({@code "slot group"}):
     * not applied. The node answers {@code -ASK slot host:port} with that group's leader; a client never sees it.
     */
    public static final String ASKGROUP = "ASKGROUP";
    /** As {@link #ASKGROUP}, for a slot this group handed over for good: the node answers {@code -MOVED}. */
    public static final String MOVEDGROUP = "MOVEDGROUP";

    private ErrorCodes() {
    }

    /**
     * True if the state machine refused the command because of its session (expired, out of order, or a result
     * no longer kept): its sequence number may now be a hole, so the connection opens a new session.
     */
    public static boolean isSessionRefusal(String code) {
        return code.equals(SESSIONEXPIRED) || code.equals(OUTOFORDER) || code.equals(UNKNOWN)
                || code.equals(TRYAGAIN);
    }

    /** True if a group refused the command naming another group ({@link #ASKGROUP}, {@link #MOVEDGROUP}). */
    public static boolean namesGroup(String code) {
        return code.equals(ASKGROUP) || code.equals(MOVEDGROUP);
    }

    /** True if a reply with this code guarantees that the write was not applied. */
    public static boolean notApplied(String code) {
        return !code.equals(UNKNOWN) && !code.equals(SESSIONEXPIRED);
    }
}
