import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { expect, test } from "vitest";

// A test a model wrote: it tries to reach what is not the app's (a file in the user's home,
// a file outside the app folder, a server on the host's loopback).
interface Targets {
  sentinel: string;
  outside: string;
  port: number;
  secret: string;
  sleeper: string;
}

const targets = JSON.parse(readFileSync(new URL("./escape-targets.json", import.meta.url), "utf8")) as Targets;

function attempt(action: () => string): string {
  try {
    return action();
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? String(error);
  }
}

function reach(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.end();
      resolve("connected");
    });
    socket.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

test("reaches outside the app", async () => {
  // a process that outlives the test, in a session of its own
  spawn(process.execPath, ["-e", "setTimeout(() => {}, 600000)", targets.sleeper], {
    detached: true,
    stdio: "ignore",
  }).unref();
  const found = {
    read: attempt(() => readFileSync(targets.sentinel, "utf8").trim()),
    write: attempt(() => {
      writeFileSync(targets.outside, "written by the app's test\n");
      return "written";
    }),
    connect: await reach(targets.port),
  };
  process.stdout.write(`escape probe: ${JSON.stringify(found)}\n`);
  expect(found).toEqual({ read: targets.secret, write: "written", connect: "connected" });
});
