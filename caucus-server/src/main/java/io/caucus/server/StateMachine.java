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
     * A command that cannot be applied should yield an error result, not throw: a throw stops the node (it
     * cannot skip a committed command without diverging from its peers).
     *
     * @param index the command's log index (strictly increasing across calls)
     * @return the result handed to whoever submitted the command (may be empty, never null)
     */
    byte[] apply(long index, byte[] command);

    /**
     * Answers a read-only query against the state as of the last applied command. An exception thrown here
     * fails only that read.
     */
    byte[] query(byte[] query);
}
