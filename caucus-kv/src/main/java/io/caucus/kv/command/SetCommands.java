package io.caucus.kv.command;

import java.util.List;

/** The set commands (to come). */
public final class SetCommands {

    private SetCommands() {
    }

    public static List<CommandSpec> commands() {
        return List.of();
    }
}
