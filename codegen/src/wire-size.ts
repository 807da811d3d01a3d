import type { Ast, Type } from "@bare-ts/tools";

/**
 * The fewest bytes a value of `type` can take on the wire.
 *
 * A list or map whose items can be zero bytes long would let a few bytes of input announce
 * billions of items and keep a decoder busy without ever running out of input. The
 * generator refuses such schemas, which is what makes "every decoder terminates quickly"
 * a property of the schemas rather than a hope.
 */
export function minWireSize(type: Type, ast: Ast, seen: ReadonlySet<string> = new Set()): number {
  switch (type.tag) {
    case "alias": {
      if (seen.has(type.data)) return 1;
      const def = ast.defs.find((d) => d.alias === type.data);
      if (def === undefined) throw new Error(`unknown type ${type.data}`);
      return minWireSize(def.type, ast, new Set([...seen, type.data]));
    }
    case "void":
      return 0;
    case "bool":
    case "u8":
    case "i8":
    case "uint":
    case "int":
    case "str":
    case "optional":
    case "map":
    case "enum":
    case "union":
      return 1;
    case "u16":
    case "i16":
      return 2;
    case "u32":
    case "i32":
    case "f32":
      return 4;
    case "u64":
    case "i64":
    case "f64":
      return 8;
    case "data":
      return type.data === null ? 1 : type.data.val;
    case "list":
      return type.data === null ? 1 : type.data.val * minWireSize(type.types[0], ast, seen);
    case "struct":
      return type.types.reduce((sum, t) => sum + minWireSize(t, ast, seen), 0);
  }
}

/** Throws when any list or map in the schema has items that may be zero bytes long. */
export function assertNoZeroWidthItems(ast: Ast, relPath: string): void {
  const visit = (type: Type, where: string): void => {
    if ((type.tag === "list" || type.tag === "map") && type.types !== null) {
      const item = type.types[type.types.length - 1] as Type;
      if (minWireSize(item, ast) === 0) {
        throw new Error(`${relPath}: ${where} has items that can be zero bytes long`);
      }
    }
    for (const child of type.types ?? []) visit(child, where);
  };
  for (const def of ast.defs) visit(def.type, def.alias);
}
