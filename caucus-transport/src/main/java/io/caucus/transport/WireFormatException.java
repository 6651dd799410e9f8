package io.caucus.transport;

/** A frame that does not decode to a valid message: the message says which field is wrong and why. */
public final class WireFormatException extends RuntimeException {

    public WireFormatException(String message) {
        super(message);
    }

    public WireFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
