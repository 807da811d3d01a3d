/**
 * `npm run docker:build [-- --image <name>]`: builds the engine image from the Dockerfile at
 * the repository root, tagged `<name>:<version>` and `<name>:latest` (name default
 * `actorwire/engine`). It packs @actorwire/protocol and @actorwire/engine into .pack/image/
 * (the image installs exactly what npm would), seeds a local stand-in for the base image when
 * no registry can be reached (docker/seed-base-image.sh), and builds with host networking so
 * the build reaches Debian's packages and the npm registry the way this machine does.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import { packAll } from "./pack.js";
import { readPackageJson, ROOT } from "./packages.js";

export const DEFAULT_IMAGE = "actorwire/engine";
export const BASE_IMAGE = "node:22-bookworm-slim";

/** Builds the image and returns its versioned tag. Build output goes to stderr. */
export function buildEngineImage(image = DEFAULT_IMAGE): string {
  const version = readPackageJson("engine-ts").version;
  const context = join(ROOT, ".pack/image");
  rmSync(context, { recursive: true, force: true });
  const packed = packAll(context, ["schemas", "engine-ts"]);
  const tarball = (name: string): string => `file:/build/${basename(packed.get(name)?.tarball ?? "")}`;
  const manifest = {
    name: "actorwire-engine-image",
    private: true,
    dependencies: { "@actorwire/engine": tarball("@actorwire/engine"), "@actorwire/protocol": tarball("@actorwire/protocol") },
    // Until the packages are on a registry, the engine's dependency on the protocol package
    // must resolve to the tarball beside it.
    overrides: { "@actorwire/protocol": "$@actorwire/protocol" },
  };
  writeFileSync(join(context, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  const ca = extraCertificateAuthority();
  if (ca !== undefined) copyFileSync(ca, join(context, "extra-ca.pem"));
  execFileSync(join(ROOT, "docker/seed-base-image.sh"), [BASE_IMAGE], { stdio: ["ignore", process.stderr, "inherit"] });
  const tag = `${image}:${version}`;
  execFileSync("docker", ["build", "--network", "host", "--build-arg", `NODE_IMAGE=${BASE_IMAGE}`, "-t", tag, "-t", `${image}:latest`, "."], {
    cwd: ROOT,
    stdio: ["ignore", process.stderr, "inherit"],
    env: { ...process.env, DOCKER_BUILDKIT: "0" },
  });
  return tag;
}

/**
 * The certificate authority npm on this machine trusts beyond the system's, if any (a TLS
 * proxy's), so that npm inside the build trusts the same registry connection.
 */
function extraCertificateAuthority(): string | undefined {
  const fromEnv = process.env.NODE_EXTRA_CA_CERTS;
  if (fromEnv !== undefined && existsSync(fromEnv)) return fromEnv;
  const cafile = execFileSync("npm", ["config", "get", "cafile"], { encoding: "utf8" }).trim();
  return cafile !== "" && cafile !== "null" && cafile !== "undefined" && existsSync(cafile) ? cafile : undefined;
}

if (import.meta.filename === process.argv[1]) {
  const { values } = parseArgs({ options: { image: { type: "string", default: DEFAULT_IMAGE } }, strict: true });
  try {
    console.log(buildEngineImage(values.image));
  } catch (error) {
    console.error(`docker:build: ${(error as Error).message.split("\n")[0]}`);
    process.exit(1);
  }
}
