package io.caucus.transport.tls;

/** TLS material that cannot be used; the message names the file and the reason. */
public final class TlsException extends RuntimeException {

    public TlsException(String message) {
        super(message);
    }

    public TlsException(String message, Throwable cause) {
        super(message, cause);
    }
}
