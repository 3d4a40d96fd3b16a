import {
  type PGlite,
  parse,
  protocol,
  type QueryOptions,
  type Results,
  type Transaction,
} from "@electric-sql/pglite";

const { serialize } = protocol;

/** Statements kept prepared at most; past it, the one used least recently is closed. */
export const MAX_PREPARED_STATEMENTS = 200;

/**
 * Executions after which a statement is prepared afresh. PostgreSQL plans a prepared statement's
 * first five executions for their values, then may keep one generic plan; PGlite gathers no
 * statistics, so nothing tells PostgreSQL that the tables it planned for have grown since. A plan
 * made for a few hundred deliveries (scan them all) would still be used for a million.
 */
export const EXECUTIONS_PER_PLAN = 1000;

interface Statement {
  name: string;
  executions: number;
  /** Its parameters' type OIDs, as PostgreSQL inferred them: how each value is serialized. */
  parameterTypes: number[];
}

type Query = <Row>(text: string, params?: unknown[], options?: QueryOptions) => Promise<Results<Row>>;

/**
 * The PGlite client Drizzle is given, with every statement that has parameters prepared: parsed
 * and planned once, then only bound and executed. PGlite's own `query` parses and plans each
 * statement at every execution, and Herald's hot statements are large: in the steady bench,
 * parsing and planning took more of PGlite's time than executing (store/prepared.ts does the
 * same for PostgreSQL). Statements without parameters (migrations, transaction control) go
 * through PGlite's `query` as before.
 */
export function preparingPglite(client: PGlite): PGlite {
  /** By text, least recently used first. */
  const statements = new Map<string, Statement>();
  const toClose: string[] = [];
  let named = 0;

  const exchange = (message: Uint8Array) => client.execProtocolStream(message, { syncToFs: false });

  async function prepare(text: string, options: QueryOptions | undefined): Promise<Statement> {
    const name = `herald_${++named}`;
    await exchange(serialize.parse({ name, text, types: options?.paramTypes }));
    const described = await exchange(serialize.describe({ type: "S", name }));
    return { name, executions: 0, parameterTypes: parse.parseDescribeStatementResults(described) };
  }

  function forget(text: string, statement: Statement) {
    statements.delete(text);
    toClose.push(statement.name);
  }

  function remember(text: string, statement: Statement) {
    statements.delete(text);
    statement.executions += 1;
    if (statement.executions >= EXECUTIONS_PER_PLAN) toClose.push(statement.name);
    else statements.set(text, statement);
    if (statements.size <= MAX_PREPARED_STATEMENTS) return;
    const [oldestText, oldest] = statements.entries().next().value as [string, Statement];
    forget(oldestText, oldest);
  }

  /** Runs one statement; the caller holds PGlite's query lock. Shaped as PGlite's own `query` answers. */
  async function run<Row>(text: string, params: unknown[], options?: QueryOptions): Promise<Results<Row>> {
    const messages = [];
    let statement = statements.get(text);
    try {
      statement ??= await prepare(text, options);
      remember(text, statement);
      const values = params.map((value, index) => {
        if (value === null || value === undefined) return null;
        const type = statement?.parameterTypes[index] ?? 0;
        const serializer = options?.serializers?.[type] ?? client.serializers[type];
        return serializer ? serializer(value) : String(value);
      });
      messages.push(
        ...(await exchange(serialize.bind({ statement: statement.name, values }))),
        ...(await exchange(serialize.describe({ type: "P" }))),
        ...(await exchange(serialize.execute({}))),
      );
    } catch (error) {
      // A statement that failed is prepared afresh next time: a table it reads may have changed.
      if (statement && statements.get(text) === statement) forget(text, statement);
      throw error;
    } finally {
      messages.push(...(await exchange(serialize.sync())));
      // After the Sync: after an error, PostgreSQL skips every message until the next one.
      for (const name of toClose.splice(0)) {
        await exchange(serialize.close({ type: "S", name }));
        await exchange(serialize.sync());
      }
    }
    return parse.parseResults(messages, client.parsers, options)[0] as Results<Row>;
  }

  const query: Query = async <Row>(text: string, params?: unknown[], options?: QueryOptions) => {
    if (!params || params.length === 0) return client.query<Row>(text, params, options);
    // As PGlite's own query: a client closing or closed says so, rather than failing inside.
    await client._checkReady();
    const result = await client._runExclusiveTransaction(() =>
      client._runExclusiveQuery(() => run<Row>(text, params, options)),
    );
    await client.syncToFs();
    return result;
  };

  /** A transaction's client: its statements are prepared too (no lock on transactions: it holds it). */
  const inTransaction = (transaction: Transaction): Transaction =>
    new Proxy(transaction, {
      get(target, property, receiver) {
        if (property !== "query") return Reflect.get(target, property, receiver);
        const transactionQuery: Query = async <Row>(
          text: string,
          params?: unknown[],
          options?: QueryOptions,
        ) => {
          if (!params || params.length === 0 || target.closed)
            return target.query<Row>(text, params, options);
          return client._runExclusiveQuery(() => run<Row>(text, params, options));
        };
        return transactionQuery;
      },
    });

  return new Proxy(client, {
    get(target, property) {
      if (property === "query") return query;
      if (property === "transaction") {
        return <T>(callback: (transaction: Transaction) => Promise<T>) =>
          target.transaction((transaction) => callback(inTransaction(transaction)));
      }
      // PGlite's methods reach its private fields through `this`: they run on the client itself.
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
