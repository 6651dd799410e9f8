package io.caucus.sim.linearizability;

import java.util.List;
import java.util.Objects;

/**
 * The sequential specification of one key that never expires: its value is a String or absent (null), the state
 * is that value.
 */
final class RegisterModel implements SequentialModel {

    private final ObservedValues observedValues;

    /** @param ops the key's operations, from which {@link ObservedValues} learns what could ever be observed */
    RegisterModel(List<Operation> ops) {
        this.observedValues = new ObservedValues(ops);
    }

    @Override
    public Object initialState() {
        return null;
    }

    @Override
    public Object apply(Operation op, Object state) {
        String value = (String) state;
        return switch (op.kind()) {
            case GET -> Objects.equals(value, op.result()) ? value : ILLEGAL;
            case PUT -> op.value();
            case DELETE -> null;
            case APPEND -> value == null ? op.value() : value.concat(op.value());
            case CAS -> applyCas(op, value);
            case PERSIST, TXN -> throw new IllegalArgumentException(op.kind() + " is not a register operation: " + op);
        };
    }

    private static Object applyCas(Operation op, String value) {
        boolean matches = Objects.equals(value, op.expected());
        if (Operation.NOT_SWAPPED.equals(op.result())) {
            return matches ? ILLEGAL : value;
        }
        return matches ? op.value() : ILLEGAL;
    }

    @Override
    public boolean mayMatter(Object before, Object after) {
        return observedValues.mayMatter((String) before, (String) after);
    }

    @Override
    public boolean isBlindWrite(Operation op) {
        return op.kind() == OpKind.PUT || op.kind() == OpKind.DELETE;
    }

    @Override
    public String describe(Object state) {
        return Operation.quote((String) state);
    }

    /** True if the register model describes {@code op} (no time to live, one key). */
    static boolean describes(Operation op) {
        return op.expiresAt() == Operation.NEVER_EXPIRES && op.kind() != OpKind.PERSIST && op.kind() != OpKind.TXN;
    }
}
