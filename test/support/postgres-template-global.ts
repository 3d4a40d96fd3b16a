import { randomUUID } from "node:crypto";
import type { TestProject } from "vitest/node";
import { openStore } from "../../src/store/db";
import { databaseUrl, onServer } from "./postgres-server";

declare module "vitest" {
  export interface ProvidedContext {
    /** A migrated PostgreSQL database that test databases are copied from (test/support/databases.ts). */
    postgresTemplate: string;
  }
}

/**
 * Migrates one PostgreSQL database before any test file runs, when TEST_DATABASE_URL is set:
 * test databases are created as copies of it, which takes a tenth of creating one and running
 * the migrations on it (about 150 databases per run).
 */
export default async function setup(project: TestProject) {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    project.provide("postgresTemplate", "");
    return;
  }
  // A name of its own (a killed run leaves its template behind; process ids repeat in containers).
  const name = `herald_test_template_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  await onServer(serverUrl, `create database ${name}`);
  const drop = () => onServer(serverUrl, `drop database if exists ${name} with (force)`);
  const store = openStore({ databaseUrl: databaseUrl(serverUrl, name), dataDir: "", poolSize: 1 });
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    await drop();
    throw error;
  }
  // A database is copied only while nobody is connected to it.
  await store.close();
  project.provide("postgresTemplate", name);
  return drop;
}
