/**
 * The MLServer Ferry provisions: the server and its scikit-learn, XGBoost and MLflow runtimes, pinned with the libraries
 * that decide whether a model file loads (a joblib pickle needs the scikit-learn it was written with). A Python training
 * step that writes a joblib model should pin the same scikit-learn (`pipelines/iris-python/requirements.txt` does).
 */
export const MLSERVER_VERSION = '1.7.1';

export const MLSERVER_REQUIREMENTS = [
  `mlserver==${MLSERVER_VERSION}`,
  `mlserver-sklearn==${MLSERVER_VERSION}`,
  `mlserver-xgboost==${MLSERVER_VERSION}`,
  `mlserver-mlflow==${MLSERVER_VERSION}`,
  'numpy==2.3.5',
  'pandas==2.3.3',
  'scikit-learn==1.7.2',
  'scipy==1.17.1',
  'joblib==1.5.3',
  'xgboost==3.1.3',
  'mlflow==3.5.1',
  'pyarrow==21.0.0',
] as const;
