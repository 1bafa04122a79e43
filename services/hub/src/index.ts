export { allModules } from './modules.js';
