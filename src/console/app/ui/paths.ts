// The console paths of the things pages link to, in one place (pages cannot import routes.ts,
// which imports them).

const segment = encodeURIComponent;

export const integrationPath = (id: string) => `/integrations/${segment(id)}`;
export const deliveryPath = (id: string) => `/deliveries/${segment(id)}`;
/** An event is known by its source and id together: ids are unique per source only. */
export const eventPath = (source: string, id: string) => `/events/${segment(source)}/${segment(id)}`;
