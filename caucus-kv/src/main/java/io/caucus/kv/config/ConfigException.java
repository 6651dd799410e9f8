package io.caucus.kv.config;

/** A configuration file or command-line option that cannot be used; the message names the file and field. */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }
}
