package io.caucus.kv.cluster;

/** The leader refused a forwarded command as malformed (a version mismatch between nodes): not applied. */
public final class ForwardingRefusedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ForwardingRefusedException(String message) {
        super(message);
    }
}
