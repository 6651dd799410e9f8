package io.caucus.kv;

/** The leader refused a forwarded command as malformed (a version mismatch between nodes): not applied. */
final class ForwardingRefusedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ForwardingRefusedException(String message) {
        super(message);
    }
}
