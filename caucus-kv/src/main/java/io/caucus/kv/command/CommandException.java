package io.caucus.kv.command;

/**
 * A command's refusal with the exact Redis error line. Thrown by a command before it changes anything (every
 * check comes first), so a refused command leaves the state as it was.
 */
public final class CommandException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final Reply.Error reply;

    public CommandException(String code, String message) {
        super(code + " " + message, null, false, false);
        this.reply = new Reply.Error(code, message);
    }

    public Reply.Error reply() {
        return reply;
    }

    public static CommandException err(String message) {
        return new CommandException("ERR", message);
    }

    /** From a whole error line such as {@code "ERR value is not a valid float"}: its first word is the code. */
    public static CommandException ofLine(String line) {
        int space = line.indexOf(' ');
        return space < 0 ? new CommandException(line, "") : new CommandException(line.substring(0, space),
                line.substring(space + 1));
    }

    public static CommandException wrongType() {
        return new CommandException("WRONGTYPE", "Operation against a key holding the wrong kind of value");
    }

    public static CommandException syntax() {
        return err("syntax error");
    }

    public static CommandException notInteger() {
        return err("value is not an integer or out of range");
    }

    public static CommandException notFloat() {
        return err("value is not a valid float");
    }

    public static CommandException wrongArity(String name) {
        return err("wrong number of arguments for '" + name.toLowerCase(java.util.Locale.ROOT) + "' command");
    }
}
