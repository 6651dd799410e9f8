package io.caucus.core;

/**
 * What a server must keep on stable storage besides its log (Raft paper Figure 2, "persistent state"):
 * the latest term it has seen and the candidate it voted for in that term. The commit index is kept too,
 * so a restarted server can apply what it already knew to be committed without waiting for a leader; it is
 * never greater than the last index of the durable log.
 *
 * @param votedFor the candidate voted for in {@code term}, or {@code null} if none
 */
public record HardState(long term, NodeId votedFor, long commitIndex) {

    public static final HardState INITIAL = new HardState(0, null, 0);

    public HardState {
        if (term < 0 || commitIndex < 0) {
            throw new IllegalArgumentException("negative term or commit index: " + term + ", " + commitIndex);
        }
    }
}
