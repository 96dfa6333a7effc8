import { loadBc03Miles, createEngineFromData, loadJadesNoiseTables, parseSimulatorConfig } from '@pixsed/simulator/node';
import { generateCatalog, rebinSspGrid } from '@pixsed/simulator';
const g=loadBc03Miles(); const config=parseSimulatorConfig({ssp:{library:'bc03-miles'}}); const noise=loadJadesNoiseTables();
const a=generateCatalog({engine:createEngineFromData('jades',config,g), config, n:200, seed:1, noise});
const b=generateCatalog({engine:createEngineFromData('jades',config,rebinSspGrid(g,100)), config, n:200, seed:1, noise});
for (const i of [0,1,2,133,135]) console.log(i, a.columns.z[i], b.columns.z[i], a.columns.log_mstar[i], b.columns.log_mstar[i], a.columns.flux_f444w_true_njy[i], b.columns.flux_f444w_true_njy[i], a.columns.log_age_mw[i]);
