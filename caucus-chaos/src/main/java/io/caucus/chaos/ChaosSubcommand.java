package io.caucus.chaos;

import io.caucus.kv.cli.SubcommandProvider;

/** Adds {@code caucus chaos} to the {@code caucus} command (found through {@link java.util.ServiceLoader}). */
public final class ChaosSubcommand implements SubcommandProvider {

    @Override
    public Object command() {
        return new ChaosCommand();
    }
}
