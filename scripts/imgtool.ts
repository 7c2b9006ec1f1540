/**
 * `npm run imgtool -- <command> [options]`: the MCUboot-compatible host tool
 * (keygen, getpub, getpubhash, sign, verify, dumpinfo). See scripts/imgtool/.
 */
import { runImgtool } from "./imgtool/cli.js";

const r = runImgtool(process.argv.slice(2));
if (r.stdoutBytes) process.stdout.write(r.stdoutBytes);
if (r.stdout) process.stdout.write(r.stdout);
if (r.stderr) process.stderr.write(r.stderr);
process.exitCode = r.exitCode;
