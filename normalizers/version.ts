// The product version written into CEF and LEEF headers and ECS observer.version (kept in step with package.json).
export const PRODUCT_VERSION = '0.1.0';
