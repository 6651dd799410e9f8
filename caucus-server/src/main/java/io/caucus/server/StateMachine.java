package io.caucus.server;

/**
 * The user's replicated state machine: the smallest SPI that lets Caucus replicate it. Caucus calls it from
 * one apply thread, in log order, with committed commands only. Implementations must be deterministic: the
 * same commands in the same order give the same state and results on every node.
 */
public interface StateMachine {

    /**
     * Applies a committed command.
     *
     * @param index the command's log index (strictly increasing across calls)
     * @return the result handed to whoever submitted the command (may be empty, never null)
     */
    byte[] apply(long index, byte[] command);

    /** Answers a read-only query against the state as of the last applied command. */
    byte[] query(byte[] query);
}
