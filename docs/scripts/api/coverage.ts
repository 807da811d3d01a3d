/**
 * Which public declarations have no doc comment. typedoc's own `validation.notDocumented`
 * also demands a comment on every property of every object literal a constant is typed by
 * (each entry of `ERROR_CODES`, each field of the JSON type descriptions), which is noise;
 * this walk asks for one where a reader looks for it: every exported declaration, every
 * member a class or interface declares itself, and every enum member.
 */
import { type DeclarationReflection, type ProjectReflection, type Reflection, ReflectionKind, ReflectionType } from "typedoc";

/** One public declaration without a doc comment. */
export interface Undocumented {
  /** Its full name as typedoc prints it, e.g. `@actorwire/client.ActorHandle.fetch`. */
  readonly name: string;
  /** Its kind, e.g. `Method`. */
  readonly kind: string;
  /** The file it is declared in, relative to the repository root. */
  readonly file: string;
}

const EXPORT_KINDS =
  ReflectionKind.Namespace |
  ReflectionKind.Variable |
  ReflectionKind.Function |
  ReflectionKind.Class |
  ReflectionKind.Interface |
  ReflectionKind.TypeAlias |
  ReflectionKind.Enum;
const MEMBER_KINDS = ReflectionKind.Property | ReflectionKind.Method | ReflectionKind.Accessor | ReflectionKind.EnumMember;

/**
 * Whether a declaration carries a comment: on itself, on one of its signatures (a function's
 * comment sits on its signature), on an accessor's getter or setter, or, for a constant
 * holding a function, on that function's signature.
 */
export function hasDoc(refl: DeclarationReflection): boolean {
  if (refl.hasComment()) return true;
  if (refl.signatures?.some((s) => s.hasComment()) === true) return true;
  if (refl.getSignature?.hasComment() === true || refl.setSignature?.hasComment() === true) return true;
  if (refl.type instanceof ReflectionType && refl.type.declaration.signatures?.some((s) => s.hasComment()) === true) return true;
  return false;
}

/** Every public declaration in the project that has no doc comment, in a stable order. */
export function findUndocumented(project: ProjectReflection, root: string): Undocumented[] {
  const out: Undocumented[] = [];
  const fileOf = (refl: Reflection): string => {
    const file = project.getSymbolIdFromReflection(refl)?.fileName ?? "";
    return file.startsWith(`${root}/`) ? file.slice(root.length + 1) : file;
  };
  const report = (refl: DeclarationReflection): void => {
    if (hasDoc(refl)) return;
    out.push({ name: refl.getFriendlyFullName(), kind: ReflectionKind[refl.kind] ?? String(refl.kind), file: fileOf(refl) });
  };
  const visitContainer = (container: ProjectReflection | DeclarationReflection): void => {
    for (const child of container.children ?? []) {
      if (!child.kindOf(EXPORT_KINDS)) continue;
      // A module's own comment is its file's; a namespace needs one like any export.
      report(child);
      if (child.kindOf(ReflectionKind.Namespace)) visitContainer(child);
      if (child.kindOf(ReflectionKind.Class | ReflectionKind.Interface | ReflectionKind.Enum)) visitMembers(child);
    }
  };
  const visitMembers = (owner: DeclarationReflection): void => {
    for (const member of owner.children ?? []) {
      if (!member.kindOf(MEMBER_KINDS)) continue;
      // An inherited member is documented (or not) where it is declared, and an override
      // (an error class's `name`) means what the member it overrides means.
      if (member.inheritedFrom !== undefined || member.overwrites !== undefined) continue;
      report(member);
    }
  };
  for (const mod of project.children ?? []) {
    if (mod.kindOf(ReflectionKind.Module)) visitContainer(mod);
  }
  return out.sort((a, b) => a.file.localeCompare(b.file) || a.name.localeCompare(b.name));
}
