import type postgres from "postgres";

type Unsafe = postgres.Sql["unsafe"];
type Begin = (...args: unknown[]) => Promise<unknown>;

/**
 * The client Drizzle is given, with every statement that has parameters prepared: named, and
 * planned once per connection rather than at every execution (postgres-js sends a statement
 * without parameters by the simple protocol, unprepared; Herald's hot statements all have some). Drizzle prepares only the queries it is asked to
 * by name, and planning a statement over `deliveries` costs per partition
 * (store/partitions.ts): with seven partitions, planning took a fifth off the delivery rate,
 * and preparing every statement raised it above what it was before partitioning (see
 * docs/architecture.md). A transaction's client prepares its statements too.
 */
export function preparingAll<Client extends postgres.Sql | postgres.TransactionSql>(client: Client): Client {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === "unsafe") {
        const unsafe: Unsafe = (query, parameters, options) =>
          target.unsafe(query, parameters, { ...options, prepare: true });
        return unsafe;
      }
      if (property === "begin") {
        // begin([options,] callback): the callback gets a transaction's client, wrapped the same.
        const begin: Begin = (...args) => {
          const callback = args.at(-1) as (transaction: postgres.TransactionSql) => unknown;
          const options = args.slice(0, -1);
          return (target as postgres.Sql).begin(...(options as []), (transaction) =>
            callback(preparingAll(transaction)),
          );
        };
        return begin;
      }
      return Reflect.get(target, property, receiver);
    },
  });
}
