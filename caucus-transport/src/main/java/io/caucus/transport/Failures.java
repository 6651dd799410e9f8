package io.caucus.transport;

import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;

/** Classifies and describes the exceptions a connection's pipeline raises. */
final class Failures {

    private Failures() {
    }

    /** The exception beneath Netty's DecoderException wrappers. */
    static Throwable unwrap(Throwable cause) {
        Throwable current = cause;
        while (current instanceof DecoderException && !(current instanceof TooLongFrameException)
                && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }

    static boolean isOversizeFrame(Throwable cause) {
        return unwrap(cause) instanceof TooLongFrameException;
    }

    /** A TLS handshake that failed: a certificate that does not chain to the CA, none, or not TLS at all. */
    static boolean isTlsHandshake(Throwable cause) {
        Throwable root = unwrap(cause);
        return root instanceof javax.net.ssl.SSLHandshakeException || root instanceof io.netty.handler.ssl.NotSslRecordException;
    }

    static boolean isWireFormat(Throwable cause) {
        return unwrap(cause) instanceof WireFormatException || unwrap(cause) instanceof DecoderException;
    }

    static String describe(Throwable cause, int maxFrameBytes) {
        Throwable root = unwrap(cause);
        if (root instanceof TooLongFrameException) {
            return "frame larger than maxFrameBytes=" + maxFrameBytes + " (Netty, counting the 4-byte length "
                    + "prefix: " + root.getMessage() + ")";
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
