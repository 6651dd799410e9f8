package io.caucus.kv.state;

/**
 * One entry of the replicated log of the key-value service. Every write travels inside a client session so
 * that a retried write applies at most once (thesis §6.3).
 */
public sealed interface KvCommand {

    /** Opens a session; its id is the log index of this entry (unique and agreed by every replica). */
    record RegisterClient() implements KvCommand {
    }

    /**
     * A write by session {@code clientId}, numbered {@code sequence}: 1, 2, ... per session, applied strictly
     * in that order (see {@link KvStateMachine}).
     */
    record SessionWrite(long clientId, long sequence, KvWrite write) implements KvCommand {
        public SessionWrite {
            if (sequence < 1) {
                throw new IllegalArgumentException("sequence numbers start at 1, got " + sequence);
            }
        }
    }
}
